// Package interrupt stops a run the way shells expect: SIGINT or SIGTERM
// cancels the run's context (a second signal kills the process), and the
// run's error then maps to exit status 128 + the signal's number: 130
// for Ctrl-C, 143 for SIGTERM.
package interrupt

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// Cause is the cause of a context cancelled by a signal.
type Cause struct{ Signal os.Signal }

func (c Cause) Error() string { return c.Signal.String() + " received" }

// Context returns a context cancelled, with a Cause, by the first SIGINT
// or SIGTERM. The signals' default behaviour comes back after the first
// one, so a second one stops the process at once. stop releases them.
func Context(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-sigs:
			signal.Reset(os.Interrupt, syscall.SIGTERM)
			cancel(Cause{s})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel(nil)
	}
}

// Error is the error of a run stopped by an interruption; Code is the
// exit status.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Wrap marks err as the result of an interruption when ctx was
// cancelled: by a signal, whose number decides the exit status, or by a
// plain cancel, which stands for Ctrl-C.
func Wrap(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	code := 128 + int(syscall.SIGINT)
	var c Cause
	if errors.As(context.Cause(ctx), &c) {
		if n, ok := c.Signal.(syscall.Signal); ok {
			code = 128 + int(n)
		}
	}
	return &Error{Code: code, Err: err}
}
