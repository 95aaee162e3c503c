package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/feedwatch/feedwatch/internal/bench"
)

// runGrowth measures how the binary's cold once grows from 1,000 feeds to
// feeds (docs/benchmarks.md: at most 10.5× in wall and CPU time, 2× in
// peak RSS, for 10× the work; for other sizes the same 5 % over
// proportional). One feed server holds the larger set; the
// smaller run reads its first 1,000 feeds, which are the same as a
// 1,000-feed server's. Each round measures the floor and a cold once (a
// fresh database) at both sizes back to back, the larger first in every
// other round so that a drift of the machine's speed during a round
// falls on each side equally, and judges that round's own ratios: runs
// minutes apart on a shared machine differ by more than the margin the
// target leaves, runs seconds apart much less. The floor's growth is
// printed beside it: the work a poller cannot avoid grows about 10× too,
// and when it grows by much more the machine was not steady.
func runGrowth(path string, feeds, rounds int) int {
	const small = 1000
	fs := bench.NewFeedServer(bench.New(42), feeds, 20)
	defer fs.Close()
	var cfg [2]string
	for i, n := range []int{small, feeds} {
		dir, err := os.MkdirTemp("", "feedwatch-growth-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		if cfg[i], err = bench.WriteSetupOf(bench.New(7), fs, n, 100, dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	fmt.Printf("feedwatch once, cold, growth from %s to %s feeds × 20 items, 100 rules (%s), %d rounds\n", thousands(small), thousands(feeds), path, rounds)
	var wall, cpu, rss, fwall, fcpu []float64
	for r := range rounds {
		var got [2][2]measured // [size][floor, once]
		for k := range 2 {
			i := k
			if r%2 == 1 {
				i = 1 - k
			}
			var err error
			if got[i], err = growthRun(path, cfg[i], fs.URL, []int{small, feeds}[i]); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		s, l := got[0], got[1]
		wall = append(wall, l[1].wall.Seconds()/s[1].wall.Seconds())
		cpu = append(cpu, l[1].cpu.Seconds()/s[1].cpu.Seconds())
		rss = append(rss, float64(l[1].peak["VmHWM"])/float64(s[1].peak["VmHWM"]))
		fwall = append(fwall, l[0].wall.Seconds()/s[0].wall.Seconds())
		fcpu = append(fcpu, l[0].cpu.Seconds()/s[0].cpu.Seconds())
		fmt.Printf(" round %d  %s: %s, %s, %s  %s: %s, %s, %s  growth %.1f× wall, %.1f× CPU, %.2f× RSS (floor's %.1f×, %.1f×)\n", r+1,
			thousands(small), s[1].wall.Round(10*time.Millisecond), cpuOf(s[1]), mib(s[1].peak["VmHWM"]),
			thousands(feeds), l[1].wall.Round(10*time.Millisecond), cpuOf(l[1]), mib(l[1].peak["VmHWM"]),
			wall[r], cpu[r], rss[r], fwall[r], fcpu[r])
	}
	mw, mc, mr := median(wall), median(cpu), median(rss)
	limit := 1.05 * float64(feeds) / small // 10.5× for 10× the work
	fmt.Printf("growth over %d rounds, median (range): %.1f× wall (%.1f–%.1f), %.1f× CPU (%.1f–%.1f), %.2f× peak RSS (%.2f–%.2f) — %s; the floor's %.1f× wall, %.1f× CPU\n",
		rounds, mw, wall[0], wall[rounds-1], mc, cpu[0], cpu[rounds-1], mr, rss[0], rss[rounds-1],
		verdict(mw <= limit && mc <= limit && mr <= 2, fmt.Sprintf("target ≤ %.1f× both, RSS ≤ 2×", limit)), median(fwall), median(fcpu))
	return 0
}

// growthRun measures the floor, then a cold once on a fresh database, at
// one size.
func growthRun(path, cfg, url string, feeds int) (m [2]measured, err error) {
	if m[0], err = measure(exec.Command(os.Args[0], "-child=floor", "-url="+url, "-feeds="+strconv.Itoa(feeds))); err != nil {
		return m, fmt.Errorf("floor at %d feeds: %w", feeds, err)
	}
	freshDB(cfg)
	if m[1], err = measure(onceCmd(path, cfg)); err != nil {
		return m, fmt.Errorf("once at %d feeds: %w", feeds, err)
	}
	return m, nil
}

func cpuOf(m measured) string { return fmt.Sprintf("%.2f s CPU", m.cpu.Seconds()) }
