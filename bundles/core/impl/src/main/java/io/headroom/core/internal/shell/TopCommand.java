package io.headroom.core.internal.shell;

import io.headroom.core.api.load.TenantLayerLoad;
import io.headroom.core.api.load.TenantLoad;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/**
 * Like {@code top}: the tenants with the largest share of each layer, fleet-wide, refreshed until Ctrl-C (or for
 * {@code --iterations}); sorted by one layer's share with {@code --sort}, else by each tenant's largest share.
 */
@Command(scope = "headroom", name = "top", description = "The tenants loading each layer most, fleet-wide, refreshed live (Ctrl-C stops)")
@Service
public class TopCommand implements Action {
    @Reference
    TenantLoad load;

    @Option(name = "--sort", aliases = "-s", description = "Sort by this layer's share (queue.jobs, llm.tokens, sharding.pool_ms,"
            + " or one resource's part: sharding.queries/shard-1 ...)")
    String sort;

    @Option(name = "--count", aliases = "-n", description = "Tenants shown")
    int count = 15;

    @Option(name = "--delay", aliases = "-d", description = "Seconds between refreshes")
    double delay = 2;

    @Option(name = "--iterations", aliases = "-i", description = "Refreshes before stopping (0: until Ctrl-C)")
    int iterations;

    @Override
    public Object execute() throws Exception {
        if (sort != null && !load.layers().contains(sort)) {
            System.out.println("No load reported on layer '" + sort + "'; layers: " + load.layers());
            return null;
        }
        for (int i = 0; iterations <= 0 || i < iterations; i++) {
            if (i > 0) {
                Thread.sleep(Math.max(100, Math.round(delay * 1000)));
            }
            if (iterations != 1) {
                System.out.print("\033[H\033[2J");
            }
            print();
            System.out.flush();
        }
        return null;
    }

    /** The measures' layers (a resource's part only when sorted by it): one column each. */
    private List<String> layers() {
        return load.layers().stream().filter(l -> !l.startsWith("health.") && (l.indexOf('/') < 0 || l.equals(sort))).toList();
    }

    private void print() {
        List<String> layers = layers();
        Map<String, Map<String, TenantLayerLoad>> byTenant = new LinkedHashMap<>();
        for (String layer : layers) {
            for (TenantLayerLoad l : load.top(layer, count)) {
                byTenant.computeIfAbsent(l.tenant(), t -> new LinkedHashMap<>()).put(layer, l);
            }
        }
        List<String> tenants = new ArrayList<>(byTenant.keySet());
        Comparator<String> order = Comparator.comparingDouble(t -> -key(byTenant.get(t)));
        tenants.sort(order.thenComparing(t -> t));
        ShellTable table = new ShellTable();
        table.column("Tenant");
        layers.forEach(l -> table.column(l + (l.equals(sort) ? " *" : "")).alignRight());
        table.column("Spiking");
        int shown = 0;
        for (String t : tenants) {
            if (shown++ >= count && !TenantLoad.OTHERS.equals(t)) {
                continue;
            }
            Map<String, TenantLayerLoad> row = byTenant.get(t);
            List<Object> cells = new ArrayList<>();
            cells.add(t);
            layers.forEach(l -> cells.add(cell(row.get(l))));
            cells.add(String.join(",", row.values().stream().filter(TenantLayerLoad::spiking).map(TenantLayerLoad::layer).toList()));
            table.addRow().addContent(cells);
        }
        System.out.println("Share of each layer now (rate/s, x baseline); " + load.spiking().size() + " spiking");
        table.print(System.out);
    }

    private double key(Map<String, TenantLayerLoad> row) {
        if (row.values().stream().anyMatch(l -> TenantLoad.OTHERS.equals(l.tenant()))) {
            return -1; // the rest goes last
        }
        if (sort != null) {
            TenantLayerLoad l = row.get(sort);
            return l == null ? 0 : l.share();
        }
        return row.values().stream().mapToDouble(TenantLayerLoad::share).max().orElse(0);
    }

    static String cell(TenantLayerLoad l) {
        if (l == null) {
            return "";
        }
        return String.format(Locale.ROOT, "%.0f%% %s/s x%.1f", l.share() * 100, rate(l.rate()), l.ratio());
    }

    static String rate(double r) {
        return r >= 100 ? String.format(Locale.ROOT, "%.0f", r) : String.format(Locale.ROOT, "%.2f", r);
    }
}
