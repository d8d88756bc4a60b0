package dev.immunity.core.synth;

import java.util.List;
import java.util.random.RandomGenerator;

/** Random picks and the rounding the synthetic events share. */
final class Rand {
    private Rand() {
    }

    static <T> T pick(List<T> list, RandomGenerator rnd) {
        return list.get(rnd.nextInt(list.size()));
    }

    static double uniform(RandomGenerator rnd, double min, double max) {
        return min + (max - min) * rnd.nextDouble();
    }

    static long millis(double seconds) {
        return Math.round(seconds * 1000);
    }

    static double round(double d, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(d * scale) / scale;
    }
}
