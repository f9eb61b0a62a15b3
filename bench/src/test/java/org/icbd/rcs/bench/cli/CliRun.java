package org.icbd.rcs.bench.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process invocation of the tools' {@code icbd} with its exit code and what it printed. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = IcbdTools.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
