package org.icbd.rcs.planner.app;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory of every RocksDB store of one planner process: one block cache of {@value
 * #TOTAL_BYTES} bytes shared by all stores, with their memtables charged to it (at most {@value
 * #MEMTABLE_BYTES} of it), index and filter blocks included. Left alone, each store of each task takes
 * its own 50 MiB cache and up to three 16 MiB memtables: five stores on three partitions came to about
 * a gigabyte of native memory beside the heap at 30,000 replicas. The planner keeps the values it uses
 * decoded on its heap ({@code DecodedStore}), so RocksDB's cache matters little to it.
 *
 * <p>The cache and the write buffer manager are shared by every store of the process and live as
 * long as it does: they are not closed with a store.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {

    static final long TOTAL_BYTES = 128L << 20;
    static final long MEMTABLE_BYTES = 64L << 20;
    private static final long MEMTABLE_SIZE = 8L << 20;
    private static final int MEMTABLES = 2;
    private static final double HIGH_PRIORITY_RATIO = 0.1;

    private static final Cache CACHE = new LRUCache(TOTAL_BYTES, -1, false, HIGH_PRIORITY_RATIO);
    private static final WriteBufferManager WRITE_BUFFERS = new WriteBufferManager(MEMTABLE_BYTES, CACHE);

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(CACHE);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(WRITE_BUFFERS);
        options.setMaxWriteBufferNumber(MEMTABLES);
        options.setWriteBufferSize(MEMTABLE_SIZE);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // CACHE and WRITE_BUFFERS are the process's, shared by every store: nothing of this store's to close.
    }
}
