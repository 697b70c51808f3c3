package io.headroom.queue.internal.core;

import java.util.Set;

/**
 * Who finishes the job of a remote worker's lease that a node other than its holder settled (an ack or nack that
 * reached another node). The holder finishes it on its next round, a fraction of a second later, while it runs; when
 * it does not (it died, was restarted, or cannot reach the control schema), another node finishes it with what the
 * lease's record keeps (on SQS the message's receipt handle), so an ack is never answered 204 and then undone by the
 * job coming back. The node that settled the lease takes it over at once when the holder is not live; any node takes
 * over a settled lease that its live holder left unfinished for {@code graceMillis}. Finishing twice (the holder was
 * slow, not gone) deletes or hides the same message twice, which changes nothing.
 */
public final class LeaseHandover {
    private LeaseHandover() {
    }

    /**
     * Whether this node finishes the job of a settled lease now.
     *
     * @param holderNode       the node that handed the lease out
     * @param ofThisActivation the lease was handed out by this node since it last started (its own rounds finish it)
     * @param thisNode         this node's id
     * @param liveNodes        the nodes seen alive within the fleet's liveness bound (this one included once read)
     * @param settledAgoMillis how long ago the lease was settled
     * @param graceMillis      how long a live holder is given to finish it
     */
    public static boolean finishHere(String holderNode, boolean ofThisActivation, String thisNode, Set<String> liveNodes,
                                     long settledAgoMillis, long graceMillis) {
        if (holderNode.equals(thisNode)) {
            return !ofThisActivation; // an earlier run of this node handed it out: nobody else holds its job
        }
        // a view without this node is not loaded yet (or stale): it cannot tell that the holder is gone
        boolean holderGone = liveNodes.contains(thisNode) && !liveNodes.contains(holderNode);
        return holderGone || settledAgoMillis >= graceMillis;
    }
}
