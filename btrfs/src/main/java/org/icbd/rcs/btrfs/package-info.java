/**
 * The btrfs library: {@link org.icbd.rcs.btrfs.BtrfsTool} (subvolume create/snapshot/show/list/delete,
 * send, receive) over {@code btrfs-progs}, {@link org.icbd.rcs.btrfs.BtrfsFsCheck} (is this path btrfs?
 * a subvolume? read-only? which snapshots are here?) and {@link org.icbd.rcs.btrfs.LoopPool} (a
 * file-backed, loop-mounted btrfs for demos, benches and tests). Every command runs through {@link
 * org.icbd.rcs.command.CommandRunner}; failures of btrfs itself arrive as {@link
 * org.icbd.rcs.command.CommandFailedException} carrying btrfs's stderr, failures of this library's own
 * expectations as {@link org.icbd.rcs.btrfs.BtrfsException}.
 */
package org.icbd.rcs.btrfs;
