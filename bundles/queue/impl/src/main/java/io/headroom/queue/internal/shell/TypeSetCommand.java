package io.headroom.queue.internal.shell;

import io.headroom.queue.api.Delivery;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.RemoteType;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Command(scope = "queue", name = "type-set", description = "Declares or updates a remote job type: pull (workers lease over REST) or push (POSTed to a URL)")
@Service
public class TypeSetCommand implements Action {
    @Reference
    FairQueue queue;

    @Argument(index = 0, name = "type", required = true, description = "Job type name")
    @Completion(JobTypeCompleter.class)
    String type;

    @Argument(index = 1, name = "delivery", required = false, description = "pull or push (not needed with --remove)")
    @Completion(value = StringsCompleter.class, values = {"pull", "push"})
    String delivery;

    @Option(name = "--url", description = "Push: the http(s) URL jobs are POSTed to")
    String url;

    @Option(name = "--secret", description = "Push: the signing secret, whsec_<base64>; kept when omitted on an update")
    String secret;

    @Option(name = "--max-attempts", description = "Attempts before a job is dead-lettered (1-100)")
    int maxAttempts = 5;

    @Option(name = "--backoff", description = "Backoff before the second attempt, ms; doubles each attempt")
    long backoffMillis = 1000;

    @Option(name = "--visibility", description = "Pull: default lease length, s")
    int visibilitySeconds = 60;

    @Option(name = "--timeout", description = "Push: timeout of one delivery, ms")
    long timeoutMillis = 10_000;

    @Option(name = "--concurrency", description = "Jobs leased or being pushed at once on a node")
    int concurrency = 16;

    @Option(name = "--remove", description = "Removes the type instead")
    boolean remove;

    @Override
    public Object execute() {
        if (remove) {
            System.out.println(queue.removeType(type) ? "removed " + type : "no remote type " + type);
            return null;
        }
        Delivery d = switch (delivery == null ? "" : delivery) {
            case "pull" -> Delivery.PULL;
            case "push" -> Delivery.PUSH;
            default -> throw new IllegalArgumentException("delivery must be pull or push");
        };
        RemoteType t = queue.defineType(new RemoteType(type, d, url, maxAttempts, backoffMillis, visibilitySeconds, timeoutMillis, concurrency,
                false), secret);
        System.out.println(t.name() + ": " + t.delivery().name().toLowerCase() + (t.url() == null ? "" : " to " + t.url())
                + ", " + t.maxAttempts() + " attempts, concurrency " + t.concurrency() + (t.hasSecret() ? ", secret set" : ""));
        return null;
    }
}
