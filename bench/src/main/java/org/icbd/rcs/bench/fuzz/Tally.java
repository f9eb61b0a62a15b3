package org.icbd.rcs.bench.fuzz;

import java.util.ArrayList;
import java.util.List;

/**
 * What one reader did with its inputs. {@code acceptedBad}: an input the oracle calls invalid that
 * was accepted (or accepted as something other than it says); {@code crashed}: anything other than
 * the reader's documented rejection; {@code rejectedGood}: a valid input refused, reported apart
 * (a disagreement between the reader and its oracle, but no harm).
 */
final class Tally {

    /** The first findings of each sort are kept for the report. */
    private static final int KEPT = 5;

    final String reader;
    long inputs;
    long accepted;
    long rejected;
    long acceptedBad;
    long crashed;
    long rejectedGood;
    final List<String> findings = new ArrayList<>();

    Tally(String reader) {
        this.reader = reader;
    }

    void acceptedBad(String what) {
        acceptedBad++;
        keep("accepted bad: " + what);
    }

    void crashed(String what) {
        crashed++;
        keep("crashed: " + what);
    }

    void rejectedGood(String what) {
        rejectedGood++;
        keep("rejected good: " + what);
    }

    private void keep(String finding) {
        if (findings.size() < KEPT * 3) {
            findings.add(finding);
        }
    }
}
