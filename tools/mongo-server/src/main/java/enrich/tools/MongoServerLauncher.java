package enrich.tools;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.h2.mvstore.MVStore;

/**
 * Starts mongo-java-server, the MongoDB-wire stand-in used where real MongoDB cannot be installed.
 *
 * <p>Usage: {@code java -jar enrich-mongo-server.jar --host 127.0.0.1 --port 27017 (--data FILE | --memory)
 * [--tls-cert CHAIN.pem --tls-key KEY.pem]}. With a certificate chain and its PKCS#8 key (PEM), it
 * speaks only TLS, so clients need {@code tls=true} and a CA that trusts the chain.
 * The oplog is always enabled so change streams work. Prints {@code READY host:port} once listening,
 * and closes the backend cleanly on SIGTERM/SIGINT so the on-disk file is never left half-written.
 * With {@code --data}, every command is written to the file before its reply is sent (see
 * {@link DurableH2Backend}), so even a {@code kill -9} loses nothing the client saw acknowledged.
 * Commands are isolated from each other as MongoDB isolates them (see {@link Commands}).
 */
public final class MongoServerLauncher {
    private MongoServerLauncher() {}

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 27017;
        String dataFile = null;
        String tlsCert = null;
        String tlsKey = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--host" -> host = args[++i];
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--data" -> dataFile = args[++i];
                case "--memory" -> dataFile = null;
                case "--tls-cert" -> tlsCert = args[++i];
                case "--tls-key" -> tlsKey = args[++i];
                default -> {
                    System.err.println("unknown argument: " + args[i]);
                    System.exit(2);
                }
            }
        }
        MongoBackend backend = openBackend(dataFile).version(new WireVersion5());
        MongoServer server = new MongoServer(backend);
        server.enableOplog();
        if ((tlsCert == null) != (tlsKey == null)) {
            System.err.println("--tls-cert and --tls-key go together");
            System.exit(2);
        }
        if (tlsCert != null) {
            server.enableSsl(readPrivateKey(tlsKey), null, readCertificates(tlsCert));
        }
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

    /** The PKCS#8 private key in PEM file {@code file} (EC, RSA or Ed25519). */
    private static PrivateKey readPrivateKey(String file) throws Exception {
        String pem = Files.readString(Path.of(file));
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64));
        for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException notThisAlgorithm) {
                // Try the next one: PKCS#8 names the algorithm inside, the JDK wants it outside.
            }
        }
        throw new IllegalArgumentException(file + ": not a PKCS#8 EC, RSA or Ed25519 private key");
    }

    /** The certificate chain in PEM file {@code file}, the server's own first. */
    private static X509Certificate[] readCertificates(String file) throws Exception {
        try (var in = Files.newInputStream(Path.of(file))) {
            return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast)
                    .toArray(X509Certificate[]::new);
        }
    }

    private static MongoBackend openBackend(String dataFile) throws Exception {
        if (dataFile == null) {
            return new SerializedMemoryBackend();
        }
        Path parent = Path.of(dataFile).toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        MVStore store = MVStore.open(dataFile);
        // H2 keeps a dead chunk on disk for 45 s by default before reusing its space. Committing
        // every write leaves one such chunk per write (tens of KB each): in a test, 10,000 writes
        // grew the file to about 600 MB, against about 100 MB with 2 s and 75 MB for stock H2.
        // The retention also protects readers of older versions, and 2 s is still far longer than
        // any one command spends reading (a command reads all its results before replying; the
        // rest wait in an in-memory cursor). The 45 s default also guards against a disk
        // reordering writes during a power cut, which this stand-in does not promise to survive.
        store.setRetentionTime(2_000);
        return new DurableH2Backend(store);
    }

    /**
     * The H2 backend, but every command's changes are in the file before its reply leaves.
     *
     * <p>All wire-protocol commands (OP_MSG and legacy OP_QUERY alike) go through
     * {@code handleCommand}, and mongo-java-server sends the reply only after it returns, on the same
     * thread. Committing there covers every write command (insert, update, delete, findAndModify,
     * createIndexes, drop, renameCollection, ...) without having to list them. After a command that
     * wrote nothing the commit costs almost nothing. We commit in {@code finally} because a failed
     * command can still have written something the client is told about (an ordered insert that
     * stops at a duplicate key reports the documents before it as inserted).
     *
     * <p>The data are written with an ordinary file write, without fsync. That survives the server
     * process dying (kill -9, OOM, crash), which is what the stand-in needs, but not a power cut or
     * kernel crash.
     */
    private static final class DurableH2Backend extends H2Backend {
        DurableH2Backend(MVStore store) {
            super(store);
        }

        @Override
        public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
            return Commands.isolated(command, () -> durably(channel, databaseName, command, query));
        }

        private Document durably(Channel channel, String databaseName, String command, Document query) {
            try {
                return super.handleCommand(channel, databaseName, command, query);
            } finally {
                MVStore store = getMvStore();
                store.commit();
                // commit() returns without writing anything when H2's background auto-commit
                // already took this command's changes. That auto-commit only queues the file write
                // on H2's writer threads, so the data can still be in memory. Waiting for those
                // queues to drain closes that gap.
                store.executeFilestoreOperation(() -> {});
            }
        }
    }

    /**
     * What MongoDB promises and mongo-java-server does not, restored around each command:
     * a query returns each document as it was when it matched, and a document's change is atomic
     * (an update whose filter matched a document another write changes first is evaluated again,
     * so {@code {_id, claim: <read>}} or {@code {_id, rev: <read>}} hands a document to one writer
     * only). mongo-java-server runs connections on several threads, applies updates to the stored
     * document in place, and replies with references to stored documents, serialised after the
     * command returned: a worker claiming due outbox messages ({@code status: pending}) was handed
     * one already claimed by another worker, showing the other's claim, and took it over (a race
     * test caught it; a Python probe showed the returned documents did not match the filter).
     * Write commands run one at a time; other commands run alongside each other but not during a
     * write, and their reply is copied before the next write can change what it refers to.
     */
    private static final class Commands {
        private static final ReentrantReadWriteLock LOCK = new ReentrantReadWriteLock();
        private static final Set<String> WRITES = Set.of(
                "insert", "update", "delete", "findandmodify", "create", "createindexes",
                "dropindexes", "drop", "dropdatabase", "renamecollection");

        private Commands() {}

        static Document isolated(String command, Supplier<Document> run) {
            if (WRITES.contains(command.toLowerCase(Locale.ROOT))) {
                LOCK.writeLock().lock();
                try {
                    return run.get();
                } finally {
                    LOCK.writeLock().unlock();
                }
            }
            LOCK.readLock().lock();
            try {
                Document reply = run.get();
                return reply == null ? null : reply.cloneDeeply();
            } finally {
                LOCK.readLock().unlock();
            }
        }
    }

    /** The in-memory backend (tests and benchmarks), its commands isolated. */
    private static final class SerializedMemoryBackend extends MemoryBackend {
        @Override
        public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
            return Commands.isolated(command, () -> super.handleCommand(channel, databaseName, command, query));
        }
    }
}
