package io.headroom.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.headroom.fixtures.LocalFleet;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.Test;

/**
 * The fair queue (SQS backend) on three nodes: a tenant whose burst is spread over the nodes, so that no node alone sees
 * enough of it, is noisy for the fleet and its next jobs go to the overflow lane on every node; a remote type's
 * concurrency and a tenant's cap hold for the fleet, not per node; a lease handed out by one node is acked, nacked and extended through
 * the others, and still deletes the job when the node that handed it out was killed; a job's state is read and the job
 * cancelled through any node, a tenant seeing only its own jobs. Counts
 * only; the fleet's flush interval is shortened in TestFleet.
 */
public class QueueFleetIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Under the nodes' noisyBacklog (20) on each node, over it for the fleet. */
    private static final int FIRST_ROUND = 12;
    private static final int SECOND_ROUND = 4;
    private static final int CONCURRENCY = 10;

    @Test
    public void aBurstSpreadOverThreeNodesIsOneNoisyTenantAndTheTypesConcurrencyHoldsForTheFleet() throws Exception {
        LocalFleet fleet = TestFleet.get();
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        RestClient lb = new RestClient(fleet.url());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String type = "fleet.burst." + suffix;
        String burst = "fburst" + suffix;
        String quiet = "fquiet" + suffix;
        lb.expect(200, "PUT", "/queue/types/" + type, "{\"delivery\":\"pull\",\"concurrency\":" + CONCURRENCY
                + ",\"visibilitySeconds\":120}");
        try {
            assertTrue("every node knows the type", eventually(() -> nodes.stream().allMatch(n -> status(n, "/queue/types/" + type) == 200)));
            for (RestClient node : nodes) {
                node.expect(202, "POST", "/queue/jobs", jobs(type, burst, FIRST_ROUND, quiet));
            }
            assertTrue("every node finds the spread burst noisy", eventually(() -> nodes.stream().allMatch(n -> noisy(n, burst))));
            long[] overflowedBefore = new long[nodes.size()];
            for (int i = 0; i < nodes.size(); i++) {
                overflowedBefore[i] = overflowed(nodes.get(i), burst);
            }

            for (RestClient node : nodes) {
                node.expect(202, "POST", "/queue/jobs", jobs(type, burst, SECOND_ROUND, quiet));
            }
            for (int i = 0; i < nodes.size(); i++) {
                assertEquals("node-" + (i + 1) + " sent the noisy tenant's next jobs to the overflow lane",
                        overflowedBefore[i] + SECOND_ROUND, overflowed(nodes.get(i), burst));
                assertEquals("node-" + (i + 1) + " kept the quiet tenant in the main lane", 0, overflowed(nodes.get(i), quiet));
            }

            // the type's concurrency (10) for the fleet: leases through each node in turn, none settled, add up to 10
            int leased = leaseInTurnsAndDrain(nodes, type, CONCURRENCY, nodes.size() * (FIRST_ROUND + SECOND_ROUND + 2));
            assertEquals("the fleet filled the type's concurrency exactly", CONCURRENCY, leased);
        } finally {
            lb.call("DELETE", "/queue/types/" + type, RestClient.OPERATOR, null);
        }
    }

    @Test
    public void aTenantsCapHoldsForTheFleet() throws Exception {
        LocalFleet fleet = TestFleet.get();
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        RestClient lb = new RestClient(fleet.url());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String type = "fleet.cap." + suffix;
        String tenant = "fcap" + suffix;
        int cap = 3;
        lb.expect(200, "PUT", "/queue/types/" + type, "{\"delivery\":\"pull\",\"concurrency\":100,\"visibilitySeconds\":120}");
        lb.expect(204, "PUT", "/queue/tenants/" + tenant + "/limits", "{\"weight\":1,\"cap\":" + cap + "}");
        try {
            assertTrue("every node knows the type", eventually(() -> nodes.stream().allMatch(n -> status(n, "/queue/types/" + type) == 200)));
            Thread.sleep(1500); // the tenant's cap, reloaded by every node (refreshMillis 500 in TestFleet)
            int total = 30;
            lb.expect(202, "POST", "/queue/jobs", "[" + String.join(",", java.util.Collections.nCopies(total,
                    "{\"tenant\":\"" + tenant + "\",\"type\":\"" + type + "\",\"payload\":\"c\"}")) + "]");
            int leased = leaseInTurnsAndDrain(nodes, type, cap, total);
            assertEquals("the fleet ran the tenant up to its cap exactly", cap, leased);
        } finally {
            lb.call("DELETE", "/queue/types/" + type, RestClient.OPERATOR, null);
        }
    }

    @Test
    public void aLeaseHandedOutByOneNodeIsSettledThroughAnother() throws Exception {
        LocalFleet fleet = TestFleet.get();
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        RestClient lb = new RestClient(fleet.url());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String type = "fleet.lease." + suffix;
        String tenant = "flease" + suffix;
        lb.expect(200, "PUT", "/queue/types/" + type, "{\"delivery\":\"pull\",\"visibilitySeconds\":60,\"maxAttempts\":5}");
        try {
            assertTrue("every node knows the type", eventually(() -> nodes.stream().allMatch(n -> status(n, "/queue/types/" + type) == 200)));
            lb.expect(202, "POST", "/queue/jobs", "[" + String.join(",", java.util.Collections.nCopies(3,
                    "{\"tenant\":\"" + tenant + "\",\"type\":\"" + type + "\",\"payload\":\"p\"}")) + "]");
            // whichever nodes received the jobs hand them out; each lease is then settled through another node
            List<String[]> held = leaseAll(nodes, type, 3, 1);
            assertEquals(3, held.size());
            RestClient[] other = new RestClient[3];
            int[] holder = new int[3];
            for (int i = 0; i < 3; i++) {
                holder[i] = Integer.parseInt(held.get(i)[1]);
                other[i] = nodes.get((holder[i] + 1) % nodes.size());
            }
            // 1: acked through another node, twice (idempotent), then a nack of it is a conflict
            other[0].expect(204, "POST", "/queue/leases/" + held.get(0)[0] + "/ack", null);
            nodes.get((holder[0] + 2) % nodes.size()).expect(204, "POST", "/queue/leases/" + held.get(0)[0] + "/ack", null);
            nodes.get(holder[0]).expect(204, "POST", "/queue/leases/" + held.get(0)[0] + "/ack", null);
            other[0].expect(409, "POST", "/queue/leases/" + held.get(0)[0] + "/nack", "{}");
            // 2: extended, then nacked through another node: it comes back as its second attempt
            String extended = other[1].expect(200, "POST", "/queue/leases/" + held.get(1)[0] + "/extend", "{\"visibilitySeconds\":90}");
            assertEquals(held.get(1)[2], JSON.readTree(extended).get("id").asText());
            other[1].expect(204, "POST", "/queue/leases/" + held.get(1)[0] + "/nack", "{\"delaySeconds\":0,\"error\":\"try again\"}");
            // 3: acked on its own node, then the same ack through another node is answered alike
            nodes.get(holder[2]).expect(204, "POST", "/queue/leases/" + held.get(2)[0] + "/ack", null);
            other[2].expect(204, "POST", "/queue/leases/" + held.get(2)[0] + "/ack", null);
            // unknown leases are 404 on every node
            other[2].expect(404, "POST", "/queue/leases/nobody-" + suffix + "/ack", null);

            List<String[]> again = leaseAll(nodes, type, 1, 2);
            assertEquals("the nacked job came back, and only it", held.get(1)[2], again.get(0)[2]);
            int h = Integer.parseInt(again.get(0)[1]);
            nodes.get((h + 1) % nodes.size()).expect(204, "POST", "/queue/leases/" + again.get(0)[0] + "/ack", null);
            assertTrue("the fleet counts 3 jobs completed and 1 failed attempt", eventually(() ->
                    sum(nodes, tenant, "completed") == 3 && sum(nodes, tenant, "failed") == 1));
            Thread.sleep(1500);
            assertEquals("nothing else is handed out", 0, leaseAll(nodes, type, 0, 0).size());
            assertEquals("still 3 completed", 3, sum(nodes, tenant, "completed"));
        } finally {
            lb.call("DELETE", "/queue/types/" + type, RestClient.OPERATOR, null);
        }
    }

    @Test
    public void aJobSubmittedThroughOneNodeIsSeenAndCancelledThroughTheOthers() throws Exception {
        LocalFleet fleet = TestFleet.get();
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        RestClient lb = new RestClient(fleet.url());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String type = "fleet.jobs." + suffix;
        String tenant = "fjobs" + suffix;
        String stranger = "fjother" + suffix;
        lb.expect(200, "PUT", "/queue/types/" + type, "{\"delivery\":\"pull\",\"visibilitySeconds\":60}");
        try {
            assertTrue("every node knows the type", eventually(() -> nodes.stream().allMatch(n -> status(n, "/queue/types/" + type) == 200)));
            String mine = token(nodes.get(0), tenant);
            String theirs = token(nodes.get(0), stranger);
            JsonNode ids = JSON.readTree(nodes.get(0).expect(202, "POST", "/queue/tenants/" + tenant + "/jobs", mine,
                    "[{\"type\":\"" + type + "\",\"payload\":\"w\"},{\"type\":\"" + type + "\",\"payload\":\"d\",\"delaySeconds\":600}]"))
                    .get("ids");
            String waiting = ids.get(0).asText();
            String delayed = ids.get(1).asText();
            assertTrue("node-2 sees the waiting job", eventually(() -> "WAITING".equals(state(nodes.get(1), waiting, mine))));
            assertTrue("node-3 sees the delayed job", eventually(() -> "DELAYED".equals(state(nodes.get(2), delayed, mine))));
            for (RestClient node : nodes) {
                assertEquals("another tenant reads nothing", 404, node.call("GET", "/queue/jobs/" + waiting, theirs, null).statusCode());
                assertEquals("another tenant cancels nothing", 404, node.call("DELETE", "/queue/jobs/" + delayed, theirs, null).statusCode());
            }
            assertEquals("still waiting", "WAITING", state(nodes.get(2), waiting, mine));
            assertEquals("unknown jobs are 404", 404, nodes.get(1).call("GET", "/queue/jobs/nojob-" + suffix, mine, null).statusCode());

            nodes.get(1).expect(204, "DELETE", "/queue/jobs/" + waiting, mine, null);
            nodes.get(2).expect(204, "DELETE", "/queue/jobs/" + delayed, mine, null);
            nodes.get(2).expect(204, "DELETE", "/queue/jobs/" + delayed, mine, null); // again: cancelled already
            for (int i = 0; i < nodes.size(); i++) {
                RestClient node = nodes.get(i);
                assertTrue("node-" + (i + 1) + " sees both cancelled", eventually(() -> "CANCELLED".equals(state(node, waiting, mine))
                        && "CANCELLED".equals(state(node, delayed, mine))));
            }
            Thread.sleep(1500); // a few fleet rounds: whichever node received the job from SQS has dropped it
            assertEquals("a cancelled job is handed out by no node", 0, leaseAll(nodes, type, 0, 0).size());

            // a job that a worker leased is not waiting any more: a cancel through another node is a conflict
            String running = JSON.readTree(nodes.get(0).expect(202, "POST", "/queue/tenants/" + tenant + "/jobs", mine,
                    "[{\"type\":\"" + type + "\",\"payload\":\"r\"}]")).get("ids").get(0).asText();
            List<String[]> held = leaseAll(nodes, type, 1, 1);
            assertEquals(running, held.get(0)[2]);
            RestClient other = nodes.get((Integer.parseInt(held.get(0)[1]) + 1) % nodes.size());
            assertTrue("another node sees it running", eventually(() -> "RUNNING".equals(state(other, running, mine))));
            assertEquals(409, other.call("DELETE", "/queue/jobs/" + running, mine, null).statusCode());
            other.expect(204, "POST", "/queue/leases/" + held.get(0)[0] + "/ack", null);
            for (RestClient node : nodes) {
                assertTrue("every node sees it succeeded", eventually(() -> "SUCCEEDED".equals(state(node, running, mine))));
            }
        } finally {
            lb.call("DELETE", "/queue/types/" + type, RestClient.OPERATOR, null);
        }
    }

    /**
     * Cancels racing the leases on SQS, where any node may have received the job: each job is submitted through one node
     * and at once cancelled through one of the three while workers lease on every node. Every job ends one way only:
     * a 204 means no worker ever gets it, a 409 (or a 503, which changes nothing) means one does.
     */
    @Test
    public void aCancelRacingTheLeasesOnEveryNodeWinsOrLosesWhole() throws Exception {
        LocalFleet fleet = TestFleet.get();
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        RestClient lb = new RestClient(fleet.url());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String type = "fleet.race." + suffix;
        String tenant = "frace" + suffix;
        int jobs = 30;
        lb.expect(200, "PUT", "/queue/types/" + type, "{\"delivery\":\"pull\",\"visibilitySeconds\":60}");
        java.util.Set<String> leased = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicBoolean leasing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicReference<Exception> workerFailure = new java.util.concurrent.atomic.AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        try {
            assertTrue("every node knows the type", eventually(() -> nodes.stream().allMatch(n -> status(n, "/queue/types/" + type) == 200)));
            String mine = token(nodes.get(0), tenant);
            for (RestClient node : nodes) {
                Thread w = new Thread(() -> {
                    try {
                        while (leasing.get()) {
                            JsonNode r = JSON.readTree(node.expect(200, "POST", "/queue/types/" + type + "/lease", "{\"max\":10,\"waitSeconds\":1}"));
                            for (JsonNode j : r.get("jobs")) {
                                leased.add(j.get("id").asText());
                                node.expect(204, "POST", "/queue/leases/" + j.get("lease").asText() + "/ack", null);
                            }
                        }
                    } catch (Exception e) {
                        workerFailure.compareAndSet(null, e);
                    }
                });
                w.start();
                workers.add(w);
            }
            List<String> all = new ArrayList<>();
            java.util.Set<String> cancelled = new java.util.HashSet<>();
            int[] answers = new int[600];
            for (int i = 0; i < jobs; i++) {
                String id = JSON.readTree(nodes.get(i % 3).expect(202, "POST", "/queue/tenants/" + tenant + "/jobs", mine,
                        "[{\"type\":\"" + type + "\",\"payload\":\"race\"}]")).get("ids").get(0).asText();
                all.add(id);
                RestClient canceller = nodes.get((i / 3) % 3);
                int status = canceller.call("DELETE", "/queue/jobs/" + id, mine, null).statusCode();
                // another node knows the job once the submitter or the node that received it wrote its record
                for (long until = System.currentTimeMillis() + 5_000; status == 404 && System.currentTimeMillis() < until; ) {
                    Thread.sleep(20);
                    status = canceller.call("DELETE", "/queue/jobs/" + id, mine, null).statusCode();
                }
                assertTrue("a cancel is answered 204, 409 or 503, not " + status, status == 204 || status == 409 || status == 503);
                answers[status]++;
                if (status == 204) {
                    cancelled.add(id);
                }
            }
            // until every job not cancelled was leased, then a few fleet rounds more: a cancelled job must not come late
            long deadline = System.currentTimeMillis() + 60_000;
            while (leased.size() + cancelled.size() < jobs && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            Thread.sleep(3000);
            leasing.set(false);
            for (Thread w : workers) {
                w.join(10_000);
            }
            assertEquals("the workers ran", null, workerFailure.get());
            java.util.Set<String> both = new java.util.HashSet<>(cancelled);
            both.retainAll(leased);
            assertEquals("a job whose cancel was answered 204 reached no worker (answers 204/409/503: " + answers[204] + "/"
                    + answers[409] + "/" + answers[503] + ")", java.util.Set.of(), both);
            java.util.Set<String> neither = new java.util.HashSet<>(all);
            neither.removeAll(cancelled);
            neither.removeAll(leased);
            assertEquals("a job whose cancel was refused reached a worker", java.util.Set.of(), neither);
            for (String id : cancelled) {
                assertEquals("CANCELLED", state(nodes.get(0), id, mine));
            }
        } finally {
            leasing.set(false);
            for (Thread w : workers) {
                w.join(10_000);
            }
            lb.call("DELETE", "/queue/types/" + type, RestClient.OPERATOR, null);
        }
    }

    /**
     * A lease's holder is killed and its worker acks through another node: that node (or the fleet's next sweep) deletes
     * the job through the receipt handle the lease's record keeps, so the job is not handed out again when the killed
     * node's hold on the SQS message runs out, it reads as succeeded on every live node, and the live nodes count each
     * job completed once. The holder's other leases, never settled, prove that its hold ran out: their jobs come back
     * as their second attempt, when their leases expire (the type's visibility, longer than the backend's 30 s), not
     * before.
     */
    @Test
    public void anAckThroughAnotherNodeSettlesTheJobWhenItsHolderIsKilled() throws Exception {
        LocalFleet fleet = TestFleet.get();
        List<RestClient> nodes = fleet.nodes().stream().map(n -> new RestClient(n.karaf().baseUrl())).toList();
        RestClient lb = new RestClient(fleet.url());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String type = "fleet.gone." + suffix;
        String tenant = "fgone" + suffix;
        int jobs = 6; // over three nodes: one of them holds at least two
        // longer than the backend's visibility (30 s), to which the holder used to keep renewing its leased messages
        lb.expect(200, "PUT", "/queue/types/" + type, "{\"delivery\":\"pull\",\"visibilitySeconds\":40,\"maxAttempts\":5}");
        int killed = -1;
        try {
            assertTrue("every node knows the type", eventually(() -> nodes.stream().allMatch(n -> status(n, "/queue/types/" + type) == 200)));
            String mine = token(nodes.get(0), tenant);
            lb.expect(202, "POST", "/queue/tenants/" + tenant + "/jobs", mine, "[" + String.join(",",
                    java.util.Collections.nCopies(jobs, "{\"type\":\"" + type + "\",\"payload\":\"g\"}")) + "]");
            // each node is asked directly (not through the balancer): whichever received a job from SQS hands it out
            List<String[]> held = leaseAll(nodes, type, jobs, 1);
            assertEquals(jobs, held.size());
            int[] perNode = new int[nodes.size()];
            held.forEach(h -> perNode[Integer.parseInt(h[1])]++);
            int a = perNode[0] >= 2 ? 0 : perNode[1] >= 2 ? 1 : 2;
            int b = (a + 1) % nodes.size();
            List<String[]> ofA = held.stream().filter(h -> Integer.parseInt(h[1]) == a).toList();
            for (String[] h : held) {
                if (Integer.parseInt(h[1]) != a) {
                    nodes.get(Integer.parseInt(h[1])).expect(204, "POST", "/queue/leases/" + h[0] + "/ack", null);
                }
            }
            String acked = ofA.get(0)[2];
            java.util.Set<String> unsettled = new java.util.HashSet<>();
            java.util.Map<String, Long> leaseExpiry = new java.util.HashMap<>();
            ofA.subList(1, ofA.size()).forEach(h -> {
                unsettled.add(h[2]);
                leaseExpiry.put(h[2], Long.parseLong(h[3]));
            });

            fleet.kill(a);
            killed = a;
            nodes.get(b).expect(204, "POST", "/queue/leases/" + ofA.get(0)[0] + "/ack", null);
            List<RestClient> live = new ArrayList<>(nodes);
            live.remove(a);
            for (RestClient node : live) {
                assertTrue("a live node reads the acked job as succeeded", eventually(() -> "SUCCEEDED".equals(state(node, acked, mine))));
            }
            // until the unsettled jobs of the killed node come back (its hold on their messages ran out), then a few rounds more
            List<String[]> again = new ArrayList<>();
            java.util.Set<String> back = new java.util.HashSet<>();
            long deadline = System.currentTimeMillis() + 120_000;
            while (!back.containsAll(unsettled) && System.currentTimeMillis() < deadline) {
                for (String[] h : leaseAll(live, type, 0, 2)) {
                    long now = System.currentTimeMillis();
                    assertTrue("job " + h[2] + " came back " + (leaseExpiry.getOrDefault(h[2], 0L) - now) + " ms before its lease expired",
                            now >= leaseExpiry.getOrDefault(h[2], 0L));
                    again.add(h);
                    back.add(h[2]);
                }
            }
            again.addAll(leaseAll(live, type, 0, 2));
            assertEquals("the killed node's unsettled jobs came back, each once", unsettled.size(), again.stream().filter(h -> unsettled.contains(h[2])).count());
            assertEquals("the job acked through another node did not come back", 0, again.stream().filter(h -> h[2].equals(acked)).count());
            assertEquals("nothing else came back", unsettled.size(), again.size());
            for (String[] h : again) {
                live.get(Integer.parseInt(h[1])).expect(204, "POST", "/queue/leases/" + h[0] + "/ack", null);
            }
            for (RestClient node : live) {
                assertEquals("still succeeded", "SUCCEEDED", state(node, acked, mine));
            }
            // the killed node counted nothing (its counters went with it); the live nodes count each job once, the
            // one acked for the killed node included
            assertTrue("the live nodes count " + jobs + " completed", eventually(() -> sum(live, tenant, "completed") == jobs));
            assertEquals("and the failed attempts are none", 0, sum(live, tenant, "failed"));
            fleet.restart(a);
            killed = -1;
            assertTrue("the restarted node reads it as succeeded too", eventually(() -> "SUCCEEDED".equals(state(nodes.get(a), acked, mine))));
        } finally {
            if (killed >= 0) {
                fleet.restart(killed);
            }
            lb.call("DELETE", "/queue/types/" + type, RestClient.OPERATOR, null);
        }
    }

    private static String token(RestClient node, String tenant) throws Exception {
        return "Bearer " + JSON.readTree(node.expect(201, "POST", "/tokens", "{\"name\":\"" + tenant + "\",\"tenant\":\"" + tenant + "\"}"))
                .get("token").asText();
    }

    /** The job's state through the node as the caller sees it, or its HTTP status when it is not 200. */
    private static String state(RestClient node, String id, String authorization) {
        try {
            var r = node.call("GET", "/queue/jobs/" + id, authorization, null);
            return r.statusCode() == 200 ? JSON.readTree(r.body()).path("state").asText() : String.valueOf(r.statusCode());
        } catch (Exception e) {
            return "error " + e;
        }
    }

    /** Leases round robin over the nodes until {@code n} jobs came (or 30 s); each as lease id, node index, job id, expiry (epoch ms). */
    private static List<String[]> leaseAll(List<RestClient> nodes, String type, int n, int attempt) throws Exception {
        List<String[]> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + (n == 0 ? 3_000 : 30_000);
        while ((n == 0 || out.size() < n) && System.currentTimeMillis() < deadline) {
            for (int i = 0; i < nodes.size(); i++) {
                JsonNode r = JSON.readTree(nodes.get(i).expect(200, "POST", "/queue/types/" + type + "/lease", "{\"max\":10,\"waitSeconds\":0}"));
                for (JsonNode j : r.get("jobs")) {
                    if (attempt > 0) {
                        assertEquals("attempt of " + j, attempt, j.get("attempt").asInt());
                    }
                    out.add(new String[] {j.get("lease").asText(), String.valueOf(i), j.get("id").asText(),
                            String.valueOf(java.time.Instant.parse(j.get("expiresAt").asText()).toEpochMilli())});
                }
            }
            Thread.sleep(100);
        }
        return out;
    }

    private static long sum(List<RestClient> nodes, String tenant, String field) {
        long n = 0;
        for (RestClient node : nodes) {
            try {
                var r = node.call("GET", "/queue/tenants/" + tenant, RestClient.OPERATOR, null);
                if (r.statusCode() == 200) {
                    n += JSON.readTree(r.body()).path(field).asLong();
                }
            } catch (Exception e) {
                return -1;
            }
        }
        return n;
    }

    /**
     * Leases through each node in turn, twice round, settling nothing, after waiting a few fleet flushes each time so
     * each node has read what the others leased: asserts that at most {@code limit} are held at once in the fleet and
     * returns how many were. Then acks them (each on its node) and drains the type until all {@code total} jobs came.
     */
    private static int leaseInTurnsAndDrain(List<RestClient> nodes, String type, int limit, int total) throws Exception {
        List<List<String>> held = new ArrayList<>();
        int leased = 0;
        for (int round = 0; round < 2; round++) {
            for (RestClient node : nodes) {
                Thread.sleep(1500);
                List<String> got = lease(node, type, 100);
                held.add(got);
                leased += got.size();
                assertTrue("at most " + limit + " leased at once in the fleet, " + leased + " were", leased <= limit);
            }
        }
        for (int i = 0; i < held.size(); i++) {
            RestClient node = nodes.get(i % nodes.size());
            for (String lease : held.get(i)) {
                node.expect(204, "POST", "/queue/leases/" + lease + "/ack", null);
            }
        }
        int drained = leased;
        long deadline = System.currentTimeMillis() + 90_000;
        while (drained < total && System.currentTimeMillis() < deadline) {
            for (RestClient node : nodes) {
                for (String lease : lease(node, type, 100)) {
                    node.expect(204, "POST", "/queue/leases/" + lease + "/ack", null);
                    drained++;
                }
            }
        }
        assertEquals("every job leased and acked once", total, drained);
        return leased;
    }

    private static String jobs(String type, String burst, int n, String quiet) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append("{\"tenant\":\"").append(burst).append("\",\"type\":\"").append(type).append("\",\"payload\":\"b\"},");
        }
        b.append("{\"tenant\":\"").append(quiet).append("\",\"type\":\"").append(type).append("\",\"payload\":\"q\"}]");
        return b.toString();
    }

    private static List<String> lease(RestClient node, String type, int max) throws Exception {
        JsonNode r = JSON.readTree(node.expect(200, "POST", "/queue/types/" + type + "/lease", "{\"max\":" + max + ",\"waitSeconds\":0}"));
        List<String> out = new ArrayList<>();
        r.get("jobs").forEach(j -> out.add(j.get("lease").asText()));
        return out;
    }

    private static int status(RestClient node, String path) {
        try {
            return node.call("GET", path, RestClient.OPERATOR, null).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static boolean noisy(RestClient node, String tenant) {
        try {
            var r = node.call("GET", "/queue/tenants/" + tenant, RestClient.OPERATOR, null);
            return r.statusCode() == 200 && JSON.readTree(r.body()).path("noisy").asBoolean();
        } catch (Exception e) {
            return false;
        }
    }

    /** The node's count of the tenant's jobs it sent to the overflow lane (its SQS backend's meter). */
    private static long overflowed(RestClient node, String tenant) throws Exception {
        long n = 0;
        for (String line : node.expect(200, "GET", "/metrics", null).split("\n")) {
            if (line.startsWith("headroom_queue_overflowed_jobs") && line.contains("backend=\"sqs\"")
                    && line.contains("tenant=\"" + tenant + "\"")) {
                n += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return n;
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }
}
