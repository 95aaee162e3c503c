// Package feed fetches feeds over http(s) or from files, politely (our own
// client, conditional GET, time-out, size limit, descriptive User-Agent),
// and turns them into articles: HTML made text, links made absolute, each
// item given a stable identity.
package feed

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedwatch/feedwatch/internal/article"
)

// MaxRedirects is how many redirects a fetch follows.
const MaxRedirects = 5

// Source is a feed to fetch.
type Source struct {
	Name string
	URL  string
	Tags []string
	Zone *time.Location // the publisher's time zone (a feed's timezone:), nil when unknown: see ParseDateIn
	Request
}

// Request is what a feed adds to its requests (its config's user_agent,
// headers and basic_auth). Go drops Authorization on a redirect to
// another host, so a login is never sent where the feed did not say.
type Request struct {
	UserAgent          string
	Header             http.Header
	Username, Password string
}

// Validators are the previous response's cache validators, sent back as
// If-None-Match / If-Modified-Since.
type Validators struct {
	ETag         string
	LastModified string
}

// Result is a fetched feed.
type Result struct {
	NotModified bool // 304: nothing new
	Validators  Validators
	Articles    []article.Article
}

// HTTPError is a response other than 200 or 304.
type HTTPError struct {
	Status     int
	RetryAfter time.Duration // from Retry-After, 0 when absent
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// ErrTooLarge is returned for a body over the size limit.
var ErrTooLarge = errors.New("feed body exceeds the size limit")

// Fetcher fetches feeds. Its zero value is not usable; use NewFetcher.
type Fetcher struct {
	client    *http.Client
	userAgent string
	maxBody   int64
	big       chan struct{} // held while a body over BigBody is read and parsed
	// Now is the clock used for judging absurd dates.
	Now func() time.Time
}

// NewFetcher returns a fetcher with its own client: timeout per request,
// at most MaxRedirects redirects. Go's transport asks for gzip and
// decompresses it, so maxBody counts decompressed bytes.
func NewFetcher(timeout time.Duration, maxBody int64, userAgent string) *Fetcher {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ResponseHeaderTimeout = timeout
	transport.MaxIdleConnsPerHost = 8 // fetch.concurrency's default; see WithConcurrency
	return &Fetcher{
		client: &http.Client{
			Timeout:   timeout,
			Transport: transport,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) > MaxRedirects {
					return fmt.Errorf("stopped after %d redirects", MaxRedirects)
				}
				return nil
			},
		},
		userAgent: userAgent,
		maxBody:   maxBody,
		big:       make(chan struct{}, 1),
		Now:       time.Now,
	}
}

// WithConcurrency keeps up to n idle connections per host, n being how
// many feeds are fetched at once: many feeds on one host then reuse a
// handful of connections instead of opening new ones all the time (Go
// keeps two per host by default).
func (f *Fetcher) WithConcurrency(n int) *Fetcher {
	if t, ok := f.client.Transport.(*http.Transport); ok && n > 0 {
		t.MaxIdleConnsPerHost = n
		t.MaxIdleConns = max(t.MaxIdleConns, 4*n)
	}
	return f
}

// Fetch fetches and parses src. With validators from the last response it
// makes a conditional request; a 304 gives a Result with NotModified.
func (f *Fetcher) Fetch(ctx context.Context, src Source, v Validators) (Result, error) {
	u, err := url.Parse(src.URL)
	if err != nil {
		return Result{}, fmt.Errorf("bad feed URL: %w", err)
	}
	if u.Scheme == "file" {
		return f.fetchFile(ctx, u.Path, src)
	}
	resp, err := f.get(ctx, src.URL, v, src.Request)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return Result{NotModified: true, Validators: v}, nil
	case resp.StatusCode != http.StatusOK:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return Result{}, &HTTPError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"), f.Now())}
	}
	body, release, err := f.readLimited(ctx, resp.Body)
	if err != nil {
		return Result{}, err
	}
	defer release()
	res := Result{Validators: Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}}
	res.Articles, err = f.parse(body, resp.Header.Get("Content-Type"), src, documentBase(resp))
	return res, err
}

// documentBase is what a feed's relative links are relative to, when its
// channel has no absolute link: the Content-Location the server names (as
// feedparser reads it), else the URL fetched after redirects.
func documentBase(resp *http.Response) string {
	u := resp.Request.URL
	if loc, err := u.Parse(strings.TrimSpace(resp.Header.Get("Content-Location"))); err == nil && loc.Host != "" &&
		(loc.Scheme == "http" || loc.Scheme == "https") {
		return loc.String()
	}
	return u.String()
}

// get sends a GET with our headers and, with validators, a conditional one.
func (f *Fetcher) get(ctx context.Context, rawURL string, v Validators, r Request) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("bad URL: %w", err)
	}
	for name, values := range r.Header {
		req.Header[http.CanonicalHeaderKey(name)] = values
	}
	if r.Username != "" {
		req.SetBasicAuth(r.Username, r.Password)
	}
	req.Header.Set("User-Agent", cmp.Or(r.UserAgent, f.userAgent))
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the feed is named by the caller; the URL is noise
		}
		return nil, err
	}
	return resp, nil
}

func (f *Fetcher) fetchFile(ctx context.Context, path string, src Source) (Result, error) {
	fh, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer fh.Close()
	body, release, err := f.readLimited(ctx, fh)
	if err != nil {
		return Result{}, err
	}
	defer release()
	arts, err := f.parse(body, "", src, "")
	return Result{Articles: arts}, err
}

// bodies are the buffers bodies are read into (readLimited); one grown
// past keptBody is left to the garbage collector.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const keptBody = 256 << 10

// BigBody is the size from which a body is read and parsed on its own:
// parsing takes many times a document's size in memory, so however many
// feeds are fetched at once, one big document at a time is parsed. Real
// feeds are far smaller and never wait.
const BigBody = 1 << 20

// readLimited reads a body of at most maxBody bytes. Past BigBody it waits
// for the big-body slot and holds it until release is called, after the
// body has been parsed.
//
// The body is read into a buffer reused once it is parsed (release): a
// body read growing from nothing allocated several times its size, for
// every poll. Nothing parsed from it keeps it (strings are copies).
func (f *Fetcher) readLimited(ctx context.Context, r io.Reader) (body []byte, release func(), err error) {
	buf := bodies.Get().(*bytes.Buffer)
	buf.Reset()
	_, err = buf.ReadFrom(io.LimitReader(r, min(f.maxBody, BigBody)+1))
	body = buf.Bytes()
	release = func() {
		if buf.Cap() <= keptBody {
			bodies.Put(buf)
		}
	}
	if err == nil && int64(len(body)) > BigBody {
		select { // a big body's buffer is not kept: the next are small
		case f.big <- struct{}{}:
			release = func() { <-f.big }
		case <-ctx.Done():
			return nil, func() {}, ctx.Err()
		}
		rest := bytes.NewBuffer(body)
		_, err = rest.ReadFrom(io.LimitReader(r, f.maxBody+1-int64(len(body))))
		body = rest.Bytes()
	}
	if err != nil {
		release()
		return nil, func() {}, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > f.maxBody {
		release()
		return nil, func() {}, fmt.Errorf("%w (%d bytes)", ErrTooLarge, f.maxBody)
	}
	return body, release, nil
}

// parse reads a feed document as fetched.
func (f *Fetcher) parse(body []byte, contentType string, src Source, base string) ([]article.Article, error) {
	if err := checkDocument(body); err != nil {
		return nil, err
	}
	return f.parseText(toUTF8(body, contentType), src, base)
}

// checkDocument refuses an empty document or one beyond the shape limits,
// before anything is decoded or parsed.
func checkDocument(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("parse feed: empty body")
	}
	return checkShape(body)
}

// newParser is gofeed's parser without the scan for a first image in
// every RSS item's HTML: a whole HTML parse per item (a fifth of what a
// cold poll allocated) for an image feedwatch never shows.
func newParser() *gofeed.Parser {
	p := gofeed.NewParser()
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	return p
}

// parseText reads a feed document decoded to UTF-8 by toUTF8.
func (f *Fetcher) parseText(text []byte, src Source, base string) ([]article.Article, error) {
	parsed, err := newParser().Parse(bytes.NewReader(text))
	if err != nil && !errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		// A document cut short (a connection dropped, a CDATA section never
		// closed) keeps the items read before the break, as feedparser does.
		if repaired, ok := closeTruncated(text); ok {
			if p, err2 := newParser().Parse(bytes.NewReader(repaired)); err2 == nil {
				parsed, err = p, nil
			}
		}
	}
	if _, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if repaired, ok := repairJSONFeed(text); ok {
			if p, err2 := newParser().Parse(bytes.NewReader(repaired)); err2 == nil {
				parsed, err = p, nil
			}
		}
	}
	if err != nil {
		if cdf, ok := parseCDF(text); ok {
			parsed, err = cdf, nil
		}
	}
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, notAFeed(text)
		}
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	xhtmlBodies(text, parsed)
	if bytes.Contains(text, []byte("base64")) {
		decodeBase64(parsed)
	}
	return toArticles(parsed, declaredKinds(text, parsed), src, base, f.Now()), nil
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Backoff is how long a feed that failed failures times in a row waits
// beyond its schedule of interval: nothing after the first failure (the
// next regular poll retries), then the interval doubled per failure, at
// most ×16 and 6 h, and never less than a Retry-After (capped at 24 h).
func Backoff(interval time.Duration, failures int, retryAfter time.Duration) time.Duration {
	wait := time.Duration(0)
	if failures > 1 {
		wait = min(interval<<min(failures-1, 4), 6*time.Hour)
	}
	return max(wait, min(retryAfter, 24*time.Hour))
}

// ValidatorsFor are the validators to send for a feed now at url: those
// stored, if they were stored for the same URL.
func ValidatorsFor(st article.FeedState, url string) Validators {
	if st.URL != url {
		return Validators{}
	}
	return Validators{ETag: st.ETag, LastModified: st.LastModified}
}

// Succeeded is a feed's state after a successful fetch of url now.
func Succeeded(st article.FeedState, url string, v Validators, now time.Time) article.FeedState {
	st.URL, st.ETag, st.LastModified = url, v.ETag, v.LastModified
	st.LastAttempt, st.LastSuccess = now, now
	st.LastError, st.Failures, st.NextDue = "", 0, time.Time{}
	return st
}

// Failed is a feed's state after a fetch of url failed now with cause:
// one more consecutive failure, next tried after Backoff beyond a
// schedule of interval.
func Failed(st article.FeedState, url string, cause error, interval time.Duration, now time.Time) article.FeedState {
	st.URL, st.LastAttempt, st.LastError = url, now, article.Clip(cause.Error(), 2000)
	st.Failures++
	var retryAfter time.Duration
	var he *HTTPError
	if errors.As(cause, &he) {
		retryAfter = he.RetryAfter
	}
	st.NextDue = now.Add(Backoff(interval, st.Failures, retryAfter))
	return st
}
