package daemon

import (
	"context"
	"net/http"

	"github.com/feedwatch/feedwatch/internal/server"
)

// Handler serves /healthz, /readyz (the database answers, rules are
// loaded and the scheduler runs) and /metrics.
func (d *Daemon) Handler() http.Handler {
	return server.Handler(d.readiness, d.metrics.Handler())
}

func (d *Daemon) readiness(ctx context.Context) []string {
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
	if why, _ := d.rulesWatch.Load().(string); why != "" {
		problems = append(problems, "rules: edits are not seen: "+why)
	}
	if why := d.poller.StorageProblem(); why != "" {
		problems = append(problems, "database: polls are not recorded: "+why)
	}
	if why := d.outbox.Refused(); why != "" {
		problems = append(problems, "slack: the token is refused ("+why+"): nothing is posted until it is fixed")
	}
	if err := d.outbox.Paused(); err != nil {
		problems = append(problems, "delivery: paused, outcomes cannot be recorded: "+err.Error())
	}
	if f := d.also.Load(); f != nil && (*f)() != "" {
		problems = append(problems, (*f)())
	}
	for _, f := range d.metrics.Failing() { // said, not failing readiness: the others still alert
		problems = append(problems, server.Note+"feed failing: "+f)
	}
	return problems
}

// AlsoReady adds to /readyz what a part run beside the daemon (check) says is wrong, or notes.
func (d *Daemon) AlsoReady(check func() string) { d.also.Store(&check) }

// Addr is the address the endpoints listen on, once Run serves them.
func (d *Daemon) Addr() string {
	a, _ := d.addr.Load().(string)
	return a
}

// serve listens on addr ("" for no endpoints), replacing the server in
// force only once the new one listens.
func (rt *runtime) serve(addr string) error {
	stop, bound := func() {}, ""
	if addr != "" {
		var err error
		if bound, stop, err = server.Serve(addr, rt.d.Handler(), rt.d.logger); err != nil {
			return err
		}
	}
	if rt.stopServer != nil {
		rt.stopServer()
	}
	rt.listen, rt.stopServer = addr, stop
	rt.d.addr.Store(bound)
	return nil
}
