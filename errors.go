package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vpnexport/vpnexport/internal/interrupt"
	"github.com/vpnexport/vpnexport/render"
)

// Exit codes.
const (
	exitOK      = 0
	exitError   = 1
	exitUsage   = 2
	exitChanged = 3 // --diff: something would change
	// An interrupted run exits 128 + the signal (interrupt.Error).
)

// usageError marks a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// commandError remembers which command an error came from, so the usage
// hint names that command's help.
type commandError struct {
	cmd string
	err error
}

func (e *commandError) Error() string { return e.err.Error() }
func (e *commandError) Unwrap() error { return e.err }

func inCommand(cmd string, err error) error {
	if err == nil {
		return nil
	}
	return &commandError{cmd: cmd, err: err}
}

// errChanged is returned by --diff when the output would change; it is
// not a failure and prints nothing.
var errChanged = errors.New("changes pending")

// errSilent carries an exit code for an error already reported (batch
// summaries print their own failures).
type errSilent struct{ code int }

func (e *errSilent) Error() string { return fmt.Sprintf("exit %d", e.code) }

// exitCode maps run's error to the process exit code and prints it.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var silent *errSilent
	var intr *interrupt.Error
	if errors.As(err, &intr) {
		if msg := err.Error(); !errors.As(err, &silent) {
			if !strings.Contains(msg, "interrupted") {
				msg = "interrupted: " + msg
			}
			fmt.Fprintln(stderr, "vpnexport: "+indentLines(msg))
		}
		return intr.Code
	}
	if errors.Is(err, errChanged) {
		return exitChanged
	}
	if errors.As(err, &silent) {
		return silent.code
	}
	fmt.Fprintln(stderr, "vpnexport: "+indentLines(err.Error()))
	var ue *usageError
	var pe *render.ParamError
	var re *render.RequestError
	if errors.As(err, &ue) || errors.As(err, &pe) || errors.As(err, &re) {
		var ce *commandError
		if errors.As(err, &ce) {
			fmt.Fprintf(stderr, "Run 'vpnexport %s --help' for usage.\n", ce.cmd)
		} else {
			fmt.Fprintln(stderr, "Run 'vpnexport help' for usage.")
		}
		return exitUsage
	}
	return exitError
}

// indentLines indents continuation lines of a multi-line error (several
// input problems joined) so each reads as one item.
func indentLines(s string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}
