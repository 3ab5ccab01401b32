package com.metaaudiencesync.store;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spare 64 KB blocks ({@link Payload#BLOCK}) of buffers nobody uses any more, handed to the next ones. A batch's
 * blocks (its stored rows, its request body) live tens of milliseconds: long enough for young collections to copy
 * and promote them, and then G1 collects them as old garbage. Reused blocks stay put. Keeps at most {@code max};
 * thread-safe. A block must be given back only by its last user (the next taker overwrites it).
 */
public final class BlockPool {
    public static final int BLOCK = Payload.BLOCK;

    private final ConcurrentLinkedDeque<byte[]> blocks = new ConcurrentLinkedDeque<>();
    private final AtomicInteger count = new AtomicInteger();
    private final int max;

    /** @param max blocks kept at most */
    public BlockPool(int max) { this.max = max; }

    /** at most {@code fraction} of the heap, and at most {@code cap} blocks */
    public static BlockPool ofHeap(int fraction, int cap) {
        return new BlockPool((int) Math.min(cap, Runtime.getRuntime().maxMemory() / fraction / BLOCK));
    }

    /** a spare block, or a new one */
    public byte[] take() {
        byte[] b = blocks.pollFirst();
        if (b == null) return new byte[BLOCK];
        count.decrementAndGet();
        return b;
    }

    /** keeps {@code b} for the next {@link #take} (blocks of another size, and blocks beyond the maximum, are dropped) */
    public void give(byte[] b) {
        if (b == null || b.length != BLOCK) return;
        if (count.incrementAndGet() > max) { count.decrementAndGet(); return; }
        blocks.addFirst(b);
    }

    public int size() { return count.get(); }
}
