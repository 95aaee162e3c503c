package main

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"github.com/feedwatch/feedwatch/internal/bench"
)

// pollRounds is how many times the table measures the floor and the cold
// poll, one after the other, for the medians of their ratios.
const pollRounds = 3

// pollRatioRows measures the cold poll against the floor as the binary is
// measured (runCLI): each in a process of its own — the floor
// (-child=floor) and feedwatch's poll (-child=poll-at: the configuration
// and rule files the binary would read, app.Open, and one pass over every
// feed on a fresh database) — while this process serves the feeds. In one process with the feed server, as testing.Benchmark
// runs them, the server's 40 MB of feeds set the collector's pace: the
// floor, which allocates most for what it keeps, cost a third less CPU
// than in a process of its own, and the ratio read 2.4–2.6× where the
// binary's was 1.7×. The rows: the floor, the poll with its ratios (the
// medians of pollRounds rounds), and the poll's peak RSS (for context:
// this program's binary maps more than feedwatch's; the target is the
// binary's, which -cli measures).
func pollRatioRows(feeds int) ([]row, error) {
	fs := bench.NewFeedServer(bench.New(42), feeds, 20)
	defer fs.Close()
	dir, err := os.MkdirTemp("", "feedwatch-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg, err := bench.WriteSetup(bench.New(7), fs, 100, dir)
	if err != nil {
		return nil, err
	}
	var floors, polls []measured
	var wall, cpu []float64
	for range pollRounds {
		floor, err := measure(exec.Command(os.Args[0], "-child=floor", "-url="+fs.URL, "-feeds="+strconv.Itoa(feeds)))
		if err != nil {
			return nil, fmt.Errorf("floor: %w", err)
		}
		freshDB(cfg)
		poll, err := measure(exec.Command(os.Args[0], "-child=poll-at", "-config="+cfg))
		if err != nil {
			return nil, fmt.Errorf("poll: %w", err)
		}
		floors, polls = append(floors, floor), append(polls, poll)
		wall = append(wall, poll.wall.Seconds()/floor.wall.Seconds())
		cpu = append(cpu, poll.cpu.Seconds()/floor.cpu.Seconds())
	}
	byWall := func(a, b measured) int { return int(a.wall - b.wall) }
	slices.SortFunc(floors, byWall)
	slices.SortFunc(polls, byWall)
	f, p := floors[pollRounds/2], polls[pollRounds/2]
	mw, mc := median(wall), median(cpu)
	top := slices.MaxFunc(polls, func(a, b measured) int { return int(a.peak["VmHWM"] - b.peak["VmHWM"]) }).peak
	return []row{
		{"floor: fetch + gofeed parse, same feeds", f.wall.Round(time.Millisecond).String(), fmt.Sprintf("%.2f s CPU (a process of its own; medians of %d)", f.cpu.Seconds(), pollRounds)},
		{fmt.Sprintf("poll %s feeds × 20 items, 100 rules", thousands(feeds)), p.wall.Round(time.Millisecond).String(),
			fmt.Sprintf("%.2f s CPU; %.1f× the floor's wall, %.1f× its CPU (medians of each round's ratio) — %s", p.cpu.Seconds(), mw, mc, verdict(mw <= 2 && mc <= 2, "target ≤ 2× both"))},
		{"peak RSS of that poll, its own process", mib(top["VmHWM"]), fmt.Sprintf("anonymous %s, files %s — context: this program's binary is larger than feedwatch's; the target (≤ 40 MB) is the binary's, -cli", mib(top["RssAnon"]), mib(top["RssFile"]))},
	}, nil
}

// childPollAt runs one cold poll on the configuration at cfg (WriteSetup's,
// on a fresh database): feedwatch's side of pollRatioRows.
func childPollAt(cfg string) int { return pollOnce(bench.OpenConfig(cfg)) }

// pollOnce polls every feed once with p, opened with err, and closes it.
func pollOnce(p *bench.Poller, err error) int {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer p.Close()
	if err := p.Poll(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
