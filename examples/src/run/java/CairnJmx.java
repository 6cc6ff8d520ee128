import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import javax.management.MBeanException;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The Cairn MBean from a shell, for the README's admin walkthrough (what jconsole does with clicks):
 *
 * <pre>
 * examples/jmx                         every attribute and operation
 * examples/jmx checkpoint true         an operation with its arguments
 * examples/jmx hotBackup backup-1 true
 * examples/jmx get LastCheckpointLsn   one attribute
 * </pre>
 *
 * Run as a Java source file with WildFly's {@code bin/client/jboss-cli-client.jar} on the class path
 * (it brings the {@code remote+http} protocol). Environment: {@code CAIRN_JMX_URL} (default
 * {@code service:jmx:remote+http://127.0.0.1:9990}), {@code CAIRN_ENV} (default {@code default}).
 * Progress notifications of long operations are printed as they arrive.
 */
public class CairnJmx {

    public static void main(String[] args) throws Exception {
        // The remoting client's start-up chatter (JUL) is of no interest here.
        LogManager.getLogManager().reset();
        Logger.getLogger("").setLevel(Level.WARNING);
        String url = System.getenv().getOrDefault("CAIRN_JMX_URL", "service:jmx:remote+http://127.0.0.1:9990");
        ObjectName name = new ObjectName("org.cairndb:type=Environment,name=" + System.getenv().getOrDefault("CAIRN_ENV", "default"));
        JMXConnector opened;
        try {
            opened = JMXConnectorFactory.connect(new JMXServiceURL(url), Map.of());
        } catch (IOException e) {
            // A stopped server or a shifted port (-Dledger.portOffset) is the usual reason: say so, not a stack trace.
            System.err.println("cannot connect to " + url + " (" + e.getMessage() + "): is the server running? With"
                    + " -Dledger.portOffset=N its JMX port is 9990+N: CAIRN_JMX_URL=service:jmx:remote+http://127.0.0.1:<port>");
            System.exit(2);
            return;
        }
        try (JMXConnector connector = opened) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            if (!server.isRegistered(name)) {
                System.err.println("no MBean " + name + " at " + url + " (is cairn.rar deployed?)");
                System.exit(2);
            }
            if (args.length == 0) {
                describe(server, name);
            } else if (args[0].equals("get") && args.length == 2) {
                System.out.println(format(server.getAttribute(name, args[1]), ""));
            } else {
                invoke(server, name, args[0], Arrays.copyOfRange(args, 1, args.length));
            }
        }
    }

    private static void describe(MBeanServerConnection server, ObjectName name) throws Exception {
        var info = server.getMBeanInfo(name);
        System.out.println(name + "\n\nattributes:");
        for (var a : info.getAttributes()) {
            Object value;
            try {
                value = server.getAttribute(name, a.getName());
            } catch (Exception e) {
                value = "(" + e.getMessage() + ")";
            }
            System.out.println("  " + a.getName() + " = " + format(value, "    "));
        }
        System.out.println("\noperations:");
        for (MBeanOperationInfo op : info.getOperations()) {
            StringBuilder params = new StringBuilder();
            for (MBeanParameterInfo p : op.getSignature()) {
                params.append(params.length() == 0 ? "" : " ").append('<').append(p.getName()).append('>');
            }
            System.out.println("  " + op.getName() + " " + params + "\n      " + op.getDescription());
        }
    }

    private static void invoke(MBeanServerConnection server, ObjectName name, String operation, String[] args) throws Exception {
        MBeanOperationInfo op = Arrays.stream(server.getMBeanInfo(name).getOperations())
                .filter(o -> o.getName().equals(operation) && o.getSignature().length == args.length).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no operation " + operation + " with " + args.length
                        + " arguments; run without arguments for the list"));
        String[] types = new String[args.length];
        Object[] values = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            types[i] = op.getSignature()[i].getType();
            values[i] = switch (types[i]) {
                case "boolean", "java.lang.Boolean" -> Boolean.parseBoolean(args[i]);
                case "int", "java.lang.Integer" -> Integer.parseInt(args[i]);
                case "long", "java.lang.Long" -> Long.parseLong(args[i]);
                default -> args[i];
            };
        }
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        NotificationListener progress = (Notification n, Object handback) -> {
            String kind = n.getType().replace("org.cairndb.operation.", "");
            System.out.println("  [" + kind + "] " + n.getMessage());
            started.countDown();
            if (kind.equals("completed") || kind.equals("failed")) {
                ended.countDown();
            }
        };
        server.addNotificationListener(name, progress, null, null);
        try {
            System.out.println(format(server.invoke(name, operation, values, types), ""));
            if (started.getCount() == 0) {
                ended.await(5, TimeUnit.SECONDS); // the last notification may trail the answer
            }
        } catch (MBeanException | RuntimeMBeanException e) {
            System.err.println(operation + " failed: " + e.getCause().getMessage());
            System.exit(1);
        } finally {
            server.removeNotificationListener(name, progress);
        }
    }

    private static String format(Object value, String indent) {
        if (value instanceof CompositeData c) {
            Map<String, String> fields = new TreeMap<>();
            for (String key : c.getCompositeType().keySet()) {
                fields.put(key, format(c.get(key), indent + "  "));
            }
            StringBuilder s = new StringBuilder();
            fields.forEach((k, v) -> s.append('\n').append(indent).append(k).append(": ").append(v));
            return s.toString();
        }
        if (value instanceof TabularData t) {
            StringBuilder s = new StringBuilder();
            for (Object row : t.values()) {
                s.append(format(row, indent + "  "));
            }
            return s.toString();
        }
        if (value instanceof Object[] array) {
            StringBuilder s = new StringBuilder();
            for (Object o : array) {
                s.append('\n').append(indent).append("- ").append(format(o, indent + "  "));
            }
            return array.length == 0 ? "(none)" : s.toString();
        }
        return String.valueOf(value);
    }
}
