// Package server serves feedwatch's operational endpoints: /healthz (the
// process answers), /readyz (every readiness check passes) and /metrics.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// Check reports what keeps the daemon from being ready, or nothing.
type Check func(ctx context.Context) []string

// Note starts what a readiness check says without failing it ("note: feed
// failing: Wire (3 in a row)"): /readyz stays 200 and lists it.
const Note = "note: "

// Handler serves the endpoints.
func Handler(ready Check, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		var failing, notes []string
		for _, p := range ready(ctx) {
			if strings.HasPrefix(p, Note) {
				notes = append(notes, p)
			} else {
				failing = append(failing, p)
			}
		}
		if len(failing) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		} else {
			fmt.Fprintln(w, "ready")
		}
		for _, p := range append(failing, notes...) {
			fmt.Fprintln(w, p)
		}
	})
	return mux
}

// Serve listens on addr and serves h in the background. It fails at once
// if addr is in use, so a misconfiguration is noticed. It returns the
// address listened on and a function that shuts the server down.
func Serve(addr string, h http.Handler, logger *slog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("server.listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server", "err", err)
		}
	}()
	logger.Info("serving health and metrics endpoints", "addr", ln.Addr().String())
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}
