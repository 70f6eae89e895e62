package org.pauc.hostmath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParallelTest {
    private final int before = Parallel.threads();

    @AfterEach
    void restore() {
        Parallel.setThreads(before);
    }

    @Test
    void everyTaskRunsOnceAndNestedLoopsComplete() {
        Parallel.setThreads(2);
        int tasks = 37;
        AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
        int[] inner = new int[tasks * 5];
        Parallel.forEach(tasks, t -> {
            runs.incrementAndGet(t);
            Parallel.forEach(5, u -> inner[t * 5 + u] = t * 5 + u + 1);
        });
        for (int t = 0; t < tasks; t++) {
            assertEquals(1, runs.get(t), "task " + t);
        }
        int[] want = new int[tasks * 5];
        for (int i = 0; i < want.length; i++) {
            want[i] = i + 1;
        }
        assertArrayEquals(want, inner);
    }

    @Test
    void aFailingTaskFailsTheLoopWithItsOwnException() {
        Parallel.setThreads(2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Parallel.forEach(50, t -> {
            if (t == 17) {
                throw new IllegalArgumentException("task 17");
            }
        }));
        assertEquals("task 17", e.getMessage());
        // the pool still works afterwards
        AtomicIntegerArray runs = new AtomicIntegerArray(8);
        Parallel.forEach(8, runs::incrementAndGet);
        for (int t = 0; t < 8; t++) {
            assertEquals(1, runs.get(t));
        }
    }
}
