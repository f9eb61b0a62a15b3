package org.icbd.rcs.master.stream;

import java.util.Optional;
import org.icbd.rcs.events.Compression;
import org.icbd.rcs.events.Fields;
import org.icbd.rcs.transfer.TransferRequest;

/**
 * What identifies a stored stream: one step (a full send of {@code version}, or the delta from
 * {@code parent}) in one encoding. Every request for the same key gets the same bytes.
 *
 * <p>On disk: {@code <streams>/<image>/<name>} with name {@code [<parent>-]<version>[.lz4|.zst]},
 * the names {@code ImageRepository.deleteStoredStreams} recognises, so retiring a version removes
 * its streams.
 */
public record StreamKey(String image, int version, Optional<Integer> parent, Compression compression) {

    public StreamKey {
        Fields.name(image, "image");
        Fields.version(version, "version");
        parent = Fields.optional(parent);
        parent.ifPresent(p -> Fields.version(p, "parent"));
        Fields.present(compression, "compression");
    }

    public static StreamKey of(TransferRequest request) {
        return new StreamKey(request.image(), request.version(), request.parent(), request.compression());
    }

    /** The data file's name in the image's directory. */
    public String fileName() {
        StringBuilder b = new StringBuilder();
        parent.ifPresent(p -> b.append(p).append('-'));
        b.append(version);
        return b.append(extension(compression)).toString();
    }

    /** The key a data file name stands for, if it is one. */
    public static Optional<StreamKey> parse(String image, String fileName) {
        String stem = fileName;
        Compression compression = Compression.NONE;
        for (Compression c : Compression.values()) {
            String ext = extension(c);
            if (!ext.isEmpty() && fileName.endsWith(ext)) {
                stem = fileName.substring(0, fileName.length() - ext.length());
                compression = c;
            }
        }
        String[] parts = stem.split("-", -1);
        if (parts.length > 2 || !parts[parts.length - 1].matches("[1-9][0-9]{0,9}")
                || parts.length == 2 && !parts[0].matches("[1-9][0-9]{0,9}")) {
            return Optional.empty();
        }
        try {
            int version = Integer.parseInt(parts[parts.length - 1]);
            Optional<Integer> parent = parts.length == 2 ? Optional.of(Integer.parseInt(parts[0])) : Optional.empty();
            if (parent.isPresent() && parent.get() >= version) {
                return Optional.empty();
            }
            return Optional.of(new StreamKey(image, version, parent, compression));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Whether this stream is a send of {@code v} or a delta from it. */
    public boolean involves(int v) {
        return version == v || parent.orElse(-1) == v;
    }

    private static String extension(Compression compression) {
        return switch (compression) {
            case NONE -> "";
            case LZ4 -> ".lz4";
            case ZSTD -> ".zst";
        };
    }

    @Override
    public String toString() {
        return image + " " + parent.map(p -> p + "->").orElse("full ") + version + " (" + compression.code() + ")";
    }
}
