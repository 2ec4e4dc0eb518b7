package interrupt

import (
	"context"
	"errors"
	"syscall"
	"testing"
)

func TestWrap(t *testing.T) {
	failed := errors.New("export: interrupted")
	if err := Wrap(context.Background(), failed); err != failed {
		t.Errorf("not cancelled: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Wrap(ctx, nil) != nil {
		t.Error("no error became one")
	}
	for ctx, want := range map[context.Context]int{ctx: 130, cancelled(syscall.SIGINT): 130, cancelled(syscall.SIGTERM): 143} {
		var e *Error
		if err := Wrap(ctx, failed); !errors.As(err, &e) || e.Code != want || !errors.Is(err, failed) {
			t.Errorf("Wrap = %v, want code %d", err, want)
		}
	}
}

func cancelled(s syscall.Signal) context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(Cause{s})
	return ctx
}
