package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Handler serves /healthz (the process answers), /readyz (the database
// answers, rules are loaded and the scheduler runs) and /metrics.
func (d *Daemon) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", d.metrics.Handler())
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
		if !d.running.Load() {
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

// serve listens on addr ("" for no endpoints). It returns at once if addr
// is in use, so a misconfiguration stops start-up (or is refused by a
// reload) instead of going unnoticed.
func (rt *runtime) serve(addr string) error {
	d := rt.d
	if addr == "" {
		rt.listen, rt.stopServer = "", func() {}
		d.addr.Store("")
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("server.listen: %w", err)
	}
	srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.logger.Error("http server", "err", err)
		}
	}()
	d.addr.Store(ln.Addr().String())
	d.logger.Info("serving health and metrics endpoints", "addr", ln.Addr().String())
	rt.listen = addr
	rt.stopServer = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}
	return nil
}
