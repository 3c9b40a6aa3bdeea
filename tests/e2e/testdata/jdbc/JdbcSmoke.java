// JdbcSmoke is run by TestJDBC (tests/e2e/jdbc_test.go) as a single-file
// source program:
//
//	java -cp /usr/share/java/postgresql.jar JdbcSmoke.java <jdbc url>
//
// It prints one line per check; the Go test compares the lines. On a
// failure it prints "FAIL <step>: <SQLSTATE> <message>" and exits 1.
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.TimeZone;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

public class JdbcSmoke {
    static String step = "connect";
    static String url;

    public static void main(String[] args) throws Exception {
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
        url = args[0];
        try (Connection c = DriverManager.getConnection(url)) {
            run(c);
        } catch (SQLException e) {
            System.out.println("FAIL " + step + ": " + e.getSQLState() + " " + e.getMessage().replace('\n', ' '));
            System.exit(1);
        }
    }

    static void run(Connection c) throws SQLException {
        step = "create";
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE jt (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score DOUBLE PRECISION, ok BOOLEAN, at TIMESTAMP)");
        }
        System.out.println("created");

        step = "insert";
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO jt (id, name, score, ok, at) VALUES (?, ?, ?, ?, ?)")) {
            for (int i = 1; i <= 3; i++) {
                ps.setInt(1, i);
                ps.setString(2, "row" + i);
                ps.setDouble(3, i * 1.5);
                ps.setBoolean(4, i % 2 == 1);
                ps.setTimestamp(5, Timestamp.valueOf("2025-01-0" + i + " 10:20:30.5"));
                System.out.println("insert " + i + " -> " + ps.executeUpdate());
            }
        }

        step = "select";
        try (PreparedStatement ps = c.prepareStatement("SELECT id, name, score, ok, at FROM jt WHERE score > ? ORDER BY id")) {
            ps.setDouble(1, 2.0);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    System.out.println("row " + rs.getInt(1) + " " + rs.getString(2) + " " + rs.getDouble(3) + " "
                            + rs.getBoolean(4) + " " + rs.getTimestamp(5));
                }
            }
        }

        // More executions than prepareThreshold (5): the driver switches to a
        // named server-side statement and reuses it.
        step = "reuse";
        long total = 0;
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM jt WHERE id = ?")) {
            for (int i = 0; i < 10; i++) {
                ps.setInt(1, i % 3 + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        total += rs.getInt(1);
                    }
                }
            }
        }
        System.out.println("reuse " + total);

        step = "null";
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO jt (id, name, score) VALUES (?, ?, ?)")) {
            ps.setInt(1, 4);
            ps.setString(2, "nulls");
            ps.setNull(3, java.sql.Types.DOUBLE);
            ps.executeUpdate();
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT score, ok, at FROM jt WHERE id = 4")) {
            rs.next();
            double d = rs.getDouble(1);
            System.out.println("nulls " + d + " " + rs.wasNull() + " " + rs.getObject(2) + " " + rs.getTimestamp(3));
        }

        step = "transaction";
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("UPDATE jt SET score = score + ? WHERE id = ?")) {
            ps.setDouble(1, 100);
            ps.setInt(2, 1);
            ps.executeUpdate();
        }
        c.rollback();
        try (PreparedStatement ps = c.prepareStatement("UPDATE jt SET name = ? WHERE id = ?")) {
            ps.setString(1, "renamed");
            ps.setInt(2, 2);
            System.out.println("update -> " + ps.executeUpdate());
        }
        c.commit();
        c.setAutoCommit(true);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id, name, score FROM jt WHERE id <= 2 ORDER BY id")) {
            while (rs.next()) {
                System.out.println("after tx " + rs.getInt(1) + " " + rs.getString(2) + " " + rs.getDouble(3));
            }
        }

        step = "count";
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM jt")) {
            rs.next();
            System.out.println("count " + rs.getLong(1));
        }

        step = "error";
        try (Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO jt (id, name) VALUES (1, 'dup')");
            System.out.println("error none");
        } catch (SQLException e) {
            System.out.println("error " + e.getSQLState());
        }

        step = "metadata";
        DatabaseMetaData md = c.getMetaData();
        try (Statement st = c.createStatement()) {
            st.execute("CREATE COLLECTION jdocs");
            st.execute("INSERT INTO jdocs { id: 'a', n: 1 }");
        }
        try (ResultSet rs = md.getTables(null, "public", "j%", new String[] {"TABLE"})) {
            while (rs.next()) {
                System.out.println("table " + rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + " " + rs.getString("TABLE_TYPE"));
            }
        }
        try (ResultSet rs = md.getColumns(null, "public", "jt", "%")) {
            while (rs.next()) {
                System.out.println("column " + rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME")
                    + " " + rs.getInt("DATA_TYPE") + " pos=" + rs.getInt("ORDINAL_POSITION") + " nullable=" + rs.getString("IS_NULLABLE"));
            }
        }
        try (ResultSet rs = md.getColumns(null, null, "jdocs", null)) {
            while (rs.next()) {
                System.out.println("column " + rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME"));
            }
        }
        // Foreign keys, as ORMs read them to validate a schema.
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE jchild (cid INT PRIMARY KEY, jt_id INT REFERENCES jt (id) ON DELETE CASCADE)");
        }
        try (ResultSet rs = md.getImportedKeys(null, "public", "jchild")) {
            while (rs.next()) {
                System.out.println("fk " + rs.getString("FKTABLE_NAME") + "." + rs.getString("FKCOLUMN_NAME") + " -> " + rs.getString("PKTABLE_NAME") + "."
                    + rs.getString("PKCOLUMN_NAME") + " " + rs.getString("FK_NAME") + " " + rs.getString("PK_NAME") + " seq=" + rs.getInt("KEY_SEQ")
                    + " delete=" + rs.getInt("DELETE_RULE") + " update=" + rs.getInt("UPDATE_RULE"));
            }
        }
        try (ResultSet rs = md.getExportedKeys(null, "public", "jt")) {
            while (rs.next()) {
                System.out.println("exported " + rs.getString("PKTABLE_NAME") + " <- " + rs.getString("FKTABLE_NAME") + "." + rs.getString("FKCOLUMN_NAME"));
            }
        }

        // Keys and indexes, as ORMs and schema tools read them: their
        // queries select fields of information_schema._pg_expandarray's rows.
        try (ResultSet rs = md.getPrimaryKeys(null, "public", "jchild")) {
            while (rs.next()) {
                System.out.println("pk " + rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME") + " seq=" + rs.getInt("KEY_SEQ") + " " + rs.getString("PK_NAME"));
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("CREATE INDEX jchild_two ON jchild (jt_id, cid)");
        }
        try (ResultSet rs = md.getIndexInfo(null, "public", "jchild", false, false)) {
            while (rs.next()) {
                System.out.println("index " + rs.getString("INDEX_NAME") + " unique=" + !rs.getBoolean("NON_UNIQUE") + " " + rs.getInt("ORDINAL_POSITION") + ":"
                    + rs.getString("COLUMN_NAME") + " " + rs.getString("ASC_OR_DESC"));
            }
        }
        try (ResultSet rs = md.getBestRowIdentifier(null, "public", "jchild", DatabaseMetaData.bestRowSession, false)) {
            while (rs.next()) {
                System.out.println("best row " + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME"));
            }
        }
        String kw = "," + md.getSQLKeywords() + ",";
        System.out.println("keywords " + kw.contains(",abort,") + " " + kw.contains(",select,"));

        // Real-time: LISTEN/NOTIFY and a LIVE SELECT reach a listening
        // connection through PGConnection.getNotifications.
        step = "realtime";
        try (Connection l = DriverManager.getConnection(url)) {
            String liveChannel;
            try (Statement st = l.createStatement()) {
                st.execute("LISTEN smoke");
                try (ResultSet rs = st.executeQuery("LIVE SELECT id, name FROM jt WHERE id = 2")) {
                    rs.next();
                    liveChannel = rs.getString("channel");
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("NOTIFY smoke, 'hello'");
                st.executeUpdate("UPDATE jt SET name = 'ignored' WHERE id = 3");
                st.executeUpdate("UPDATE jt SET name = 'live' WHERE id = 2");
            }
            PGConnection pg = l.unwrap(PGConnection.class);
            int got = 0;
            long deadline = System.currentTimeMillis() + 10000;
            while (got < 2 && System.currentTimeMillis() < deadline) {
                PGNotification[] ns = pg.getNotifications(500);
                if (ns == null) {
                    continue;
                }
                for (PGNotification n : ns) {
                    got++;
                    String name = n.getName().equals(liveChannel) ? "live" : n.getName();
                    String p = n.getParameter();
                    if (name.equals("live")) {
                        p = p.contains("\"op\":\"UPDATE\"") && p.contains("\"row\":{\"id\":2,\"name\":\"live\"}") ? "UPDATE of row 2" : p;
                    }
                    System.out.println("notification " + name + " " + p);
                }
            }
        }
        System.out.println("done");
    }
}
