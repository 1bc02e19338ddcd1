package dev.coderadmission.support;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for something an informer delivers asynchronously; fails with the last value seen. */
public final class Eventually {
    private Eventually() {
    }

    public static <T> T await(Supplier<T> value, java.util.function.Predicate<T> done, Duration timeout) {
        var deadline = System.nanoTime() + timeout.toNanos();
        T last = value.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + timeout + "; last value: " + last);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            last = value.get();
        }
        return last;
    }
}
