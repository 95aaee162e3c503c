// Command feedwatch-bench runs feedwatch's benchmarks and prints the
// figures that docs/benchmarks.md sets targets for, as a table:
//
//	go run ./cmd/feedwatch-bench
//
// Matching runs on one core (GOMAXPROCS=1); the poll on every core. Peak
// and idle memory are measured in child processes (this binary run again)
// so that the other benchmarks do not inflate them. docs/benchmarks.md
// explains the method and records the figures.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/bench"
)

func main() {
	child := flag.String("child", "", "internal: run one measurement (poll, idle, hostile-N, hostile-all; floor, floor-noscan or poll-at, of the feeds at -url) and print its memory")
	cfgPath := flag.String("config", "", "internal: with -child poll-at, the configuration to poll")
	url := flag.String("url", "", "internal: with -child floor or poll-at, the feeds' base URL")
	hostile := flag.Bool("hostile", false, "measure the hostile inputs instead (docs/benchmarks.md)")
	cli := flag.String("cli", "", "measure the feedwatch binary at `PATH` running once (wall, CPU, peak RSS) instead")
	feeds := flag.Int("feeds", 1000, "with -cli: how many feeds (of 20 items each)")
	rounds := flag.Int("rounds", 1, "with -cli: how many rounds of floor, cold and all-304 passes (the cold pass's ratios to the floor as medians)")
	growth := flag.Bool("growth", false, "with -cli: measure the cold once's growth from 1,000 feeds to -feeds (10,000 unless given), both sizes in each of -rounds rounds")
	pg := flag.String("postgres", "", "with -cli: measure 1, 2 and 3 processes sharing the PostgreSQL database at `URL` (a schema each run) beside one on SQLite")
	flag.Parse()
	switch {
	case *cli != "" && *pg != "":
		os.Exit(runReplicas(*cli, *pg, *feeds))
	case *cli != "" && *growth:
		if *feeds <= 1000 {
			*feeds = 10000
		}
		os.Exit(runGrowth(*cli, *feeds, max(*rounds, 1)))
	case *cli != "":
		os.Exit(runCLI(*cli, *feeds, max(*rounds, 1)))
	case *child == "poll":
		os.Exit(childPoll())
	case *child == "poll-at":
		os.Exit(childPollAt(*cfgPath))
	case *child == "floor", *child == "floor-noscan":
		os.Exit(childFloor(*url, *feeds, *child == "floor"))
	case *child == "idle":
		os.Exit(childIdle())
	case strings.HasPrefix(*child, "hostile-"):
		os.Exit(childHostile(strings.TrimPrefix(*child, "hostile-")))
	case *hostile:
		os.Exit(runHostile(os.Stdout))
	}
	os.Exit(run(os.Stdout))
}

type row struct{ what, value, note string }

func run(out io.Writer) int {
	fmt.Fprintf(out, "feedwatch benchmarks — %s %s/%s, %d CPUs\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())

	procs := runtime.GOMAXPROCS(1)
	perArticle := map[int]time.Duration{}
	var rows []row
	for _, n := range []int{1000, 10000, 100000} {
		r := testing.Benchmark(bench.MatchBench(n, false))
		perArticle[n] = time.Duration(r.NsPerOp())
		rows = append(rows, row{fmt.Sprintf("matching, %s rules", thousands(n)), fmt.Sprintf("%s/article", perArticle[n]), fmt.Sprintf("%s articles/s on one core (a run of its own: the growth below is judged on pairs, not from these)", thousands(int(time.Second/perArticle[n])))})
	}
	g, err := bench.MatchGrowth(1000, 100000, 20*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, "growth:", err)
		return 1
	}
	rows = append(rows, row{"growth 1k → 100k rules", fmt.Sprintf("%.2f×", g.Ratio),
		fmt.Sprintf("%s — the median of %d pairs of blocks, each the same 100 articles against 1,000 rules then 100,000 (%s → %s an article; ratio of the medians %.2f×, of the totals %.2f×)",
			verdict(g.Ratio <= 3, "target ≤ 3×"), g.Pairs, g.Small.Round(100*time.Nanosecond), g.Large.Round(100*time.Nanosecond), g.OfMedians, g.OfTotals)})
	rows[1].note += " — " + verdict(perArticle[10000] <= 200*time.Microsecond, "target ≥ 5,000")
	exh := time.Duration(testing.Benchmark(bench.MatchBench(10000, true)).NsPerOp())
	rows = append(rows, row{"naive: every rule evaluated, 10k", fmt.Sprintf("%s/article", exh), fmt.Sprintf("indexed is %.1f× faster", float64(exh)/float64(perArticle[10000]))})
	re := time.Duration(testing.Benchmark(bench.RegexpBench(10000)).NsPerOp())
	ratio := float64(re) / float64(perArticle[10000])
	rows = append(rows, row{"naive: one regexp per rule, 10k", fmt.Sprintf("%s/article", re.Round(time.Millisecond)), fmt.Sprintf("indexed is %s× faster — %s", thousands(int(ratio)), verdict(ratio >= 50, "target ≥ 50×"))})
	runtime.GOMAXPROCS(procs)

	pollRows, err := pollRatioRows(1000)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	rows = append(rows, pollRows...)
	hot := time.Duration(testing.Benchmark(bench.PollBench(1000, 20, 100, true)).NsPerOp())
	rows = append(rows, row{"the same poll, every feed 304", hot.Round(time.Millisecond).String(), verdict(hot <= 500*time.Millisecond, "target ≤ 0.5 s")})

	peak, err := childMemory("poll", "VmHWM")
	if err != nil {
		fmt.Fprintln(os.Stderr, "peak memory:", err)
		return 1
	}
	rows = append(rows, row{"peak RSS of a cold poll, feeds served in-process", mib(peak), verdict(peak <= 150<<20, "target ≤ 150 MB")})
	idle, err := childMemory("idle", "VmRSS")
	if err != nil {
		fmt.Fprintln(os.Stderr, "idle memory:", err)
		return 1
	}
	rows = append(rows, row{"idle daemon RSS", mib(idle), verdict(idle <= 40<<20, "target ≤ 40 MB")})

	w := 0
	for _, r := range rows {
		w = max(w, len([]rune(r.what)))
	}
	for _, r := range rows {
		fmt.Fprintf(out, "%-*s  %14s  %s\n", w, r.what, r.value, r.note)
	}
	return 0
}

func verdict(ok bool, target string) string {
	if ok {
		return "meets " + target
	}
	return "MISSES " + target
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// median sorts xs and returns its middle element (the upper one of two).
func median(xs []float64) float64 {
	slices.Sort(xs)
	return xs[len(xs)/2]
}

func mib(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }

// childMemory runs this binary with -child=what and reads the memory
// figure it prints.
func childMemory(what, field string) (int64, error) {
	out, err := exec.Command(os.Args[0], "-child="+what).Output()
	if err != nil {
		return 0, fmt.Errorf("child %s: %w", what, err)
	}
	var kb int64
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), field+" %d", &kb); err != nil {
		return 0, fmt.Errorf("child %s printed %q", what, out)
	}
	return kb << 10, nil
}

// procStatus reads a field (in kB) of /proc/self/status; -1 when it
// cannot.
func procStatus(field string) int64 { return statusOf("self", field) }

// statusOf reads a field (in kB) of a process's /proc status (proc is
// "self" or a pid); -1 when it cannot (the process is gone).
func statusOf(proc, field string) int64 {
	f, err := os.Open("/proc/" + proc + "/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return -1
}

// childPoll runs one cold poll and prints the process's peak RSS.
func childPoll() int {
	w := bench.New(42)
	fs := bench.NewFeedServer(w, 1000, 20)
	defer fs.Close()
	dir, err := os.MkdirTemp("", "feedwatch-bench")
	if err != nil {
		return 1
	}
	defer os.RemoveAll(dir)
	if code := pollOnce(bench.NewPoller(bench.New(7), fs, 100, dir)); code != 0 {
		return code
	}
	fmt.Printf("VmHWM %d\n", procStatus("VmHWM"))
	return 0
}

// childIdle runs the daemon on the two example-sized rule sets and ten
// feeds for a few seconds, then prints its resident memory: what an idle
// daemon between polls holds.
func childIdle() int {
	w := bench.New(42)
	fs := bench.NewFeedServer(w, 10, 20)
	defer fs.Close()
	dir, err := os.MkdirTemp("", "feedwatch-bench")
	if err != nil {
		return 1
	}
	defer os.RemoveAll(dir)
	p, err := bench.NewPoller(bench.New(7), fs, 20, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.P.Daemon.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("VmRSS %d\n", procStatus("VmRSS"))
	return 0
}
