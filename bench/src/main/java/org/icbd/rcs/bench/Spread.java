package org.icbd.rcs.bench;

import java.util.Arrays;
import java.util.List;

/**
 * The median and range of repeated measurements.
 *
 * @param median the middle value (the mean of the two middle ones for an even count)
 */
public record Spread(double median, double min, double max, int count) {

    static Spread of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        int n = v.length;
        double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new Spread(median, v[0], v[n - 1], n);
    }
}
