package storetest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
)

// LeanRequests sends n HTTP/1.1 requests to addr over conns kept-alive
// connections the way a load generator (wrk, hey) does: build appends request i's
// bytes to buf, and each response is read only as far as its status and length and
// must have status want. Benchmarks of the server use it so that the client costs
// the shared cores little.
func LeanRequests(addr string, conns int, n int64, want int, build func(buf []byte, i int64) []byte) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			var buf []byte
			for i := next.Add(1); i <= n; i = next.Add(1) {
				buf = build(buf[:0], i)
				if _, err := conn.Write(buf); err != nil {
					errs <- err
					return
				}
				if err := readResponse(br, want); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// readResponse reads one response, with a Content-Length or chunked, and checks
// its status.
func readResponse(br *bufio.Reader, want int) error {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if len(line) < 12 || string(line[9:12]) != strconv.Itoa(want) {
		return fmt.Errorf("response %q, want %d", bytes.TrimSpace(line), want)
	}
	length, chunked := -1, false
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, _ := bytes.Cut(h, []byte(":"))
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil {
				return err
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		}
	}
	if !chunked {
		if length < 0 {
			return fmt.Errorf("a response with neither Content-Length nor chunked encoding")
		}
		_, err = br.Discard(length)
		return err
	}
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, err := strconv.ParseInt(string(bytes.TrimRight(line, "\r\n")), 16, 64)
		if err != nil {
			return fmt.Errorf("chunk size %q: %w", line, err)
		}
		if _, err := br.Discard(int(size) + 2); err != nil { // the chunk and its CRLF
			return err
		}
		if size == 0 {
			return nil // no trailers from this server
		}
	}
}
