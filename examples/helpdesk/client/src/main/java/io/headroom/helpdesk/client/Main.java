package io.headroom.helpdesk.client;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * {@code java -cp headroom-helpdesk-client.jar io.headroom.helpdesk.client.Main <command>} with HEADROOM_API
 * (default http://127.0.0.1:8181/api) and either HEADROOM_TOKEN (Bearer) or HEADROOM_OPERATOR_PASSWORD (operator
 * karaf, Basic). Commands: {@code setup}; {@code open <tenant> <id> <subject> <body>}; {@code search <tenant> [q]};
 * {@code agent <tenant> [model]} (draft replies); {@code worker} (pull {@code helpdesk.notify} jobs until stopped).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String api = System.getenv().getOrDefault("HEADROOM_API", "http://127.0.0.1:8181/api");
        String token = System.getenv("HEADROOM_TOKEN");
        String auth = token != null ? "Bearer " + token : "Basic " + Base64.getEncoder().encodeToString(
                ("karaf:" + System.getenv().getOrDefault("HEADROOM_OPERATOR_PASSWORD", "")).getBytes(StandardCharsets.UTF_8));
        HelpdeskClient client = new HelpdeskClient(api, auth);
        String command = args.length == 0 ? "help" : args[0];
        switch (command) {
            case "setup" -> {
                client.setup();
                System.out.println("helpdesk set up: tables hd_conversations, hd_messages; collection helpdesk; pull type helpdesk.notify; SLOs");
            }
            case "open" -> System.out.println(client.open(args[1], args[2], args[3], "customer", args[4], true).body());
            case "search" -> System.out.println(client.search(args[1], args.length > 2 ? args[2] : "", 20).body());
            case "agent" -> System.out.println("drafted " + client.draftReplies(args[1], args.length > 2 ? args[2] : "helpdesk-answer", 50) + " replies");
            case "worker" -> {
                while (true) {
                    List<String> done = client.work(10, 20);
                    done.forEach(c -> System.out.println("notified the team of " + c));
                }
            }
            default -> System.out.println("commands: setup | open <tenant> <id> <subject> <body> | search <tenant> [q] | agent <tenant> [model] | worker");
        }
    }
}
