package logic

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/nodedb-go/nodedb/config"
	"github.com/nodedb-go/nodedb/server"
)

// Server is a NodeDB server started in-process for one test file.
type Server struct {
	srv *server.Server
	url string
}

// StartServer starts a server on dir with OS-chosen ports and relaxed
// durability. Close it when done.
func StartServer(dir string) (*Server, error) {
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Host = "127.0.0.1"
	cfg.PgwirePort, cfg.HTTPPort = 0, 0
	cfg.Durability = config.DurabilityRelaxed
	s, err := server.New(cfg, server.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return nil, fmt.Errorf("server.New: %w", err)
	}
	if err := s.Start(); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("server.Start: %w", err)
	}
	port := s.PgwireAddr().(*net.TCPAddr).Port
	return &Server{srv: s,
		url: "postgres://admin@" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + "/nodedb?sslmode=disable"}, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Connect opens a connection that uses the simple protocol and, when a
// statement's context ends, sends a CancelRequest first and only breaks the
// connection if the server does not answer within a few seconds.
func (s *Server) Connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(s.url)
	if err != nil {
		return nil, err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 3 * time.Second}
	}
	return pgx.ConnectConfig(ctx, cfg)
}
