package org.icbd.rcs.ops.cli;

import org.icbd.rcs.events.Compression;
import picocli.CommandLine;

/** Reads a compression by its wire code ({@code lz4}, {@code none}), in any case. */
final class CompressionConverter implements CommandLine.ITypeConverter<Compression> {

    @Override
    public Compression convert(String value) {
        try {
            return Compression.forCode(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
