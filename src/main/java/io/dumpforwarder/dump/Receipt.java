package io.dumpforwarder.dump;

/**
 * What the source of a dump does once a forward of it ends: the durable buffer commits a
 * final outcome and keeps a transient one for another try. In-memory dumps have none.
 */
public interface Receipt {

    /**
     * The forward of the dump ended with this result.
     * @return whether the dump is settled with it; {@code false} when the source keeps it
     * to be forwarded again (or, at shutdown, for another instance)
     */
    boolean settled(ForwardResult result);

}
