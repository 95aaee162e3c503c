package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves /healthz (the process answers), /readyz (the database
// answers, rules are loaded and the scheduler runs) and /metrics.
func (d *Daemon) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		var problems []string
		if err := d.store.Ping(ctx); err != nil {
			problems = append(problems, "database: "+err.Error())
		}
		if d.Rules() == nil {
			problems = append(problems, "rules: not loaded")
		}
		if !d.scheduling.Load() {
			problems = append(problems, "scheduler: not running")
		}
		if len(problems) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			for _, p := range problems {
				fmt.Fprintln(w, p)
			}
			return
		}
		fmt.Fprintln(w, "ready")
	})
	return mux
}

// Addr is the address the endpoints listen on, once Run serves them.
func (d *Daemon) Addr() string {
	a, _ := d.addr.Load().(string)
	return a
}

// serve listens on addr until ctx ends. It returns at once if addr is in
// use, so a misconfiguration stops start-up instead of going unnoticed.
func (d *Daemon) serve(addr string) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("server.listen: %w", err)
	}
	srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.logger.Error("http server", "err", err)
		}
	}()
	d.addr.Store(ln.Addr().String())
	d.logger.Info("serving health and metrics endpoints", "addr", ln.Addr().String())
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}, nil
}
