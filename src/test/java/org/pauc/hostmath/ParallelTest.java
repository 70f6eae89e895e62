package org.pauc.hostmath;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void everyTaskRunsOnceAndNestedLoopsComplete() {
        try (Parallel p = new Parallel(2)) {
            int tasks = 37;
            AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
            int[] inner = new int[tasks * 5];
            p.run(() -> Parallel.forEach(tasks, t -> {
                runs.incrementAndGet(t);
                Parallel.forEach(5, u -> inner[t * 5 + u] = t * 5 + u + 1);
            }));
            for (int t = 0; t < tasks; t++) {
                assertEquals(1, runs.get(t), "task " + t);
            }
            int[] want = new int[tasks * 5];
            for (int i = 0; i < want.length; i++) {
                want[i] = i + 1;
            }
            assertArrayEquals(want, inner);
        }
    }

    @Test
    void aFailingTaskFailsTheLoopWithItsOwnException() {
        try (Parallel p = new Parallel(2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(() ->
                    Parallel.forEach(50, t -> {
                        if (t == 17) {
                            throw new IllegalArgumentException("task 17");
                        }
                    })));
            assertEquals("task 17", e.getMessage());
            // the pool still works afterwards
            AtomicIntegerArray runs = new AtomicIntegerArray(8);
            p.run(() -> Parallel.forEach(8, runs::incrementAndGet));
            for (int t = 0; t < 8; t++) {
                assertEquals(1, runs.get(t));
            }
        }
    }

    /** Two owners in one JVM, used at once from two threads: each loop runs on its own owner's threads only. */
    @Test
    void poolsAreOwnedAndNeverShared() throws Exception {
        try (Parallel one = new Parallel(1); Parallel three = new Parallel(3)) {
            Set<String> onOne = ConcurrentHashMap.newKeySet();
            Set<String> onThree = ConcurrentHashMap.newKeySet();
            Thread a = new Thread(() -> one.run(() -> Parallel.forEach(400, t -> {
                onOne.add(Thread.currentThread().getName());
                spin();
            })));
            Thread b = new Thread(() -> three.run(() -> Parallel.forEach(400, t -> {
                onThree.add(Thread.currentThread().getName());
                spin();
            })));
            a.start();
            b.start();
            a.join();
            b.join();
            assertEquals(1, onOne.size(), "a one-thread pool runs its loops on the caller alone: " + onOne);
            assertTrue(onThree.size() <= 3, onThree.toString());
            assertTrue(onOne.stream().noneMatch(onThree::contains), onOne + " " + onThree);
            assertEquals(1, one.call(Parallel::threads));
            assertEquals(3, three.call(Parallel::threads));
        }
        assertSame(Parallel.current(), Parallel.current(), "outside any owner: the machine's pool");
    }

    /**
     * Two threads post loops to one pool at once, thousands of times, so that their loops share the pool's helpers:
     * every task of every loop runs exactly once, for the loop that posted it (tasks handed to the wrong loop, or lost,
     * would show as a count other than one, or as a hang).
     */
    @Test
    void loopsPostedAtOnceFromTwoThreadsEachRunEveryTaskOnce() throws Exception {
        try (Parallel p = new Parallel(2)) {
            int loops = 3000;
            int tasks = 6;
            AtomicIntegerArray[] runs = {new AtomicIntegerArray(loops * tasks), new AtomicIntegerArray(loops * tasks)};
            Thread[] callers = new Thread[2];
            for (int c = 0; c < 2; c++) {
                AtomicIntegerArray mine = runs[c];
                callers[c] = new Thread(() -> p.run(() -> {
                    for (int l = 0; l < loops; l++) {
                        int base = l * tasks;
                        Parallel.forEach(tasks, t -> mine.incrementAndGet(base + t));
                    }
                }));
            }
            for (Thread t : callers) {
                t.start();
            }
            for (Thread t : callers) {
                t.join(60_000);
                assertFalse(t.isAlive(), "a loop did not finish");
            }
            for (AtomicIntegerArray r : runs) {
                for (int i = 0; i < r.length(); i++) {
                    assertEquals(1, r.get(i), "task " + i % tasks + " of loop " + i / tasks);
                }
            }
        }
    }

    /** 16 threads on this machine's cores: more threads than tasks or cores changes nothing but the speed. */
    @Test
    void manyThreadsOnFewCoresGiveTheSameResults() {
        float[] want = new float[1000];
        float[] got = new float[1000];
        try (Parallel one = new Parallel(1); Parallel many = new Parallel(16)) {
            one.run(() -> Parallel.forEach(7, t -> fill(want, t)));
            many.run(() -> Parallel.forEach(7, t -> fill(got, t)));
        }
        assertArrayEquals(want, got);
        AtomicIntegerArray runs = new AtomicIntegerArray(3);
        try (Parallel many = new Parallel(16)) {
            many.run(() -> Parallel.forEach(3, runs::incrementAndGet));
        }
        assertEquals("[1, 1, 1]", runs.toString());
    }

    @Test
    void aClosedPoolStillRunsLoopsOnTheCaller() {
        Parallel p = new Parallel(4);
        p.close();
        AtomicIntegerArray runs = new AtomicIntegerArray(5);
        p.run(() -> Parallel.forEach(5, runs::incrementAndGet));
        assertEquals("[1, 1, 1, 1, 1]", runs.toString());
        assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
    }

    private static void fill(float[] a, int task) {
        for (int i = task; i < a.length; i += 7) {
            float s = 0;
            for (int j = 0; j <= i % 13; j++) {
                s += (float) Math.sqrt(i + j);
            }
            a[i] = s;
        }
    }

    private static void spin() {
        long end = System.nanoTime() + 20_000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    /** A few tasks come in a multiple of four (even over 1, 2 or 4 threads); many, or one, as the work gives. */
    @Test
    void evenTasksRoundAFewUpToAMultipleOfFour() {
        assertEquals(8, Parallel.evenTasks(64, 10)); // 7 → 8: a batch of 64 images, 10 a chunk
        assertEquals(4, Parallel.evenTasks(64, 41)); // 2 → 4
        assertEquals(32, Parallel.evenTasks(64, 2)); // 32 tasks are many: as they are
        assertEquals(17, Parallel.evenTasks(170, 10));
        assertEquals(1, Parallel.evenTasks(100, 512)); // one task stays one
        assertEquals(3, Parallel.evenTasks(3, 1)); // never more tasks than units
        assertEquals(0, Parallel.evenTasks(0, 8));
    }
}
