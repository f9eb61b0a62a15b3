package org.icbd.rcs.ops.cli;

import picocli.CommandLine;

/** The software version, from the jar manifest (the build writes it). */
public final class Version implements CommandLine.IVersionProvider {

    public static String current() {
        String v = Version.class.getPackage().getImplementationVersion();
        return "icbd-rcs " + (v != null ? v : "dev");
    }

    @Override
    public String[] getVersion() {
        return new String[] {current()};
    }
}
