package enrich.tools;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts mongo-java-server, the MongoDB-wire stand-in used where real MongoDB cannot be installed.
 *
 * <p>Usage: {@code java -jar enrich-mongo-server.jar --host 127.0.0.1 --port 27017 (--data FILE | --memory)}.
 * The oplog is always enabled so change streams work. Prints {@code READY host:port} once listening,
 * and closes the backend cleanly on SIGTERM/SIGINT so the on-disk file is never left half-written.
 */
public final class MongoServerLauncher {
    private MongoServerLauncher() {}

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 27017;
        String dataFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--host" -> host = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--data" -> dataFile = args[++i];
                case "--memory" -> dataFile = null;
                default -> {
                    System.err.println("unknown argument: " + args[i]);
                    System.exit(2);
                }
            }
        }
        MongoBackend backend = openBackend(dataFile).version(new WireVersion5());
        MongoServer server = new MongoServer(backend);
        server.enableOplog();
        server.bind(host, port);
        InetSocketAddress bound = server.getLocalAddress();
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "shutdown"));
        System.out.println("READY " + bound.getHostString() + ":" + bound.getPort());
        System.out.flush();
        Thread.currentThread().join();
    }

    /**
     * MongoDB 5.0 as the handshake should report it. mongo-java-server implements the 5.0 command set
     * but announces wire version 8 (MongoDB 4.2), below the Rust driver 3.x minimum of 9, so every
     * connection would be refused. Real MongoDB 5.0 announces 13. The version only affects the
     * handshake and buildInfo, never command behaviour.
     */
    private static final class WireVersion5 implements MongoVersion {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(5, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 13;
        }
    }

    private static MongoBackend openBackend(String dataFile) throws Exception {
        if (dataFile == null) {
            return new MemoryBackend();
        }
        Path parent = Path.of(dataFile).toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return new H2Backend(dataFile);
    }
}
