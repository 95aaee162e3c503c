package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/feedwatch/feedwatch/internal/bench"
)

// runCLI measures the binary as an operator runs it: feedwatch once (at
// path) over the same 1,000 loopback feeds × 20 items and 100 rules as
// the poll benchmark, served by this process, on a fresh database; then a
// second once, when every feed answers 304. Before them, the floor
// (bench.Floor, in a child process) on the same feeds: the cold pass is
// judged as a ratio to it. For each: wall time, CPU time
// and peak RSS (the child's VmHWM, sampled every 5 ms, with what it is
// made of: anonymous memory or mapped files). Not the child's ru_maxrss:
// Linux carries the parent's peak across the exec of a child started
// with CLONE_VM, as Go starts them, so it reports this process's.
func runCLI(path string, feeds, rounds int) int {
	fs := bench.NewFeedServer(bench.New(42), feeds, 20)
	defer fs.Close()
	dir, err := os.MkdirTemp("", "feedwatch-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	cfg, err := bench.WriteSetup(bench.New(7), fs, 100, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("feedwatch once, %s feeds × 20 items, 100 rules (%s)\n", thousands(feeds), path)
	var all [4][]float64 // wall and CPU ratios to the floor, then to floor'
	for r := range rounds {
		if rounds > 1 {
			fmt.Printf(" round %d\n", r+1)
		}
		ratios, err := cliRound(path, cfg, fs.URL, feeds)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for i := range all {
			all[i] = append(all[i], ratios[i])
		}
	}
	if rounds > 1 {
		var med [4]float64
		for i := range all {
			med[i] = median(all[i]) // sorted: the ranges below read its ends
		}
		fmt.Printf("cold pass over %d rounds: median %.1f× the floor's wall (%.1f–%.1f), %.1f× its CPU (%.1f–%.1f) — %s; floor': %.1f× (%.1f–%.1f) and %.1f× (%.1f–%.1f)\n", rounds,
			med[0], all[0][0], all[0][rounds-1], med[1], all[1][0], all[1][rounds-1], verdict(med[0] <= 2 && med[1] <= 2, "target ≤ 2× both"),
			med[2], all[2][0], all[2][rounds-1], med[3], all[3][0], all[3][rounds-1])
	}
	return 0
}

// cliRound measures the floor and floor', then the binary's cold once on
// a fresh database, then its all-304 once, and returns the cold pass's
// wall and CPU time as ratios to the floor's, then to the stricter
// floor' (no image scan).
func cliRound(path, cfg, url string, feeds int) (ratios [4]float64, err error) {
	floor, err := measure(exec.Command(os.Args[0], "-child=floor", "-url="+url, "-feeds="+strconv.Itoa(feeds)))
	if err != nil {
		return ratios, fmt.Errorf("floor: %w", err)
	}
	strict, err := measure(exec.Command(os.Args[0], "-child=floor-noscan", "-url="+url, "-feeds="+strconv.Itoa(feeds)))
	if err != nil {
		return ratios, fmt.Errorf("floor: %w", err)
	}
	for _, f := range []struct {
		name, what string
		m          measured
	}{{"floor", "fetch and gofeed parse only (its default parser), 8 at a time, nothing kept", floor},
		{"floor'", "the same without gofeed's scan of each item's HTML for an image, as feedwatch parses", strict}} {
		fmt.Printf("  %-8s %8s wall  %6.2f s CPU  peak RSS %s — %s\n", f.name, f.m.wall.Round(time.Millisecond), f.m.cpu.Seconds(), mib(f.m.peak["VmHWM"]), f.what)
	}
	freshDB(cfg) // the cold pass starts from nothing
	for _, pass := range []string{"cold", "all 304"} {
		m, err := measure(onceCmd(path, cfg)) // the cold pass delivers its matches (to the console)
		if err != nil {
			return ratios, fmt.Errorf("%s pass: %w", pass, err)
		}
		fmt.Printf("  %-8s %8s wall  %6.2f s CPU  peak RSS %s (anonymous %s, files %s) — %s\n", pass, m.wall.Round(time.Millisecond), m.cpu.Seconds(),
			mib(m.peak["VmHWM"]), mib(m.peak["RssAnon"]), mib(m.peak["RssFile"]), verdict(m.peak["VmHWM"] <= 40<<20, "target ≤ 40 MB"))
		if pass == "cold" {
			ratios = [4]float64{m.wall.Seconds() / floor.wall.Seconds(), m.cpu.Seconds() / floor.cpu.Seconds(),
				m.wall.Seconds() / strict.wall.Seconds(), m.cpu.Seconds() / strict.cpu.Seconds()}
			fmt.Printf("  %-8s %7.1f× the floor's wall, %.1f× its CPU — %s; %.1f× and %.1f× floor'\n", "", ratios[0], ratios[1],
				verdict(ratios[0] <= 2 && ratios[1] <= 2, "target ≤ 2× both"), ratios[2], ratios[3])
		}
	}
	return ratios, nil
}

// freshDB removes the database next to the configuration at cfg.
func freshDB(cfg string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(filepath.Dir(cfg), "feedwatch.db"+suffix))
	}
}

// onceCmd is feedwatch once on cfg, with FEEDWATCH_BENCH_CHILD_ENV's
// settings (GOMEMLIMIT=…, GOGC=…) for the binary alone.
func onceCmd(path, cfg string) *exec.Cmd {
	cmd := exec.Command(path, "once", "--config", cfg)
	if extra := os.Getenv("FEEDWATCH_BENCH_CHILD_ENV"); extra != "" {
		cmd.Env = append(os.Environ(), strings.Fields(extra)...)
	}
	return cmd
}

// childFloor is the floor (bench.Floor) as a process of its own, so that
// it is measured as the binary is: the feeds served by another process.
func childFloor(url string, feeds int, imageScan bool) int {
	if err := bench.Floor(url, feeds, imageScan); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// measured is what measure saw of a command.
type measured struct {
	wall, cpu time.Duration
	peak      map[string]int64 // bytes, by /proc status field
}

// measure runs cmd to its end, sampling its memory every 5 ms.
func measure(cmd *exec.Cmd) (measured, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	m := measured{peak: map[string]int64{}}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return m, err
	}
	done, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			for _, f := range []string{"RssAnon", "RssFile", "VmHWM"} {
				m.peak[f] = max(m.peak[f], statusOf(strconv.Itoa(cmd.Process.Pid), f)<<10)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	<-sampled
	m.wall = time.Since(start)
	if err != nil && !strings.Contains(stderr.String(), "feeds: 0 failed") {
		return m, fmt.Errorf("%v\n%s", err, stderr.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return m, nil
}
