package hpkg

import "io"

// Validator is Validate as an io.Writer, for callers that already have the
// bytes passing by (hashing and uploading a package in one pass, with
// io.MultiWriter). NewValidator starts one goroutine that Close ends;
// Close must be called exactly once. Write returns the validation error as
// soon as the package is known to be bad (the caller may stop early) and
// is not safe for concurrent use.
type Validator struct {
	pw   *io.PipeWriter
	done chan struct{}
	res  *Validated
	err  error
}

// NewValidator returns a Validator waiting for the package's first byte.
func NewValidator() *Validator {
	pr, pw := io.Pipe()
	v := &Validator{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(v.done)
		// Validate succeeds only after reading to the end of the input, so
		// a Write never fails for a valid package.
		v.res, v.err = Validate(pr)
		pr.CloseWithError(v.err)
	}()
	return v
}

// Write passes p to the validator; it returns an error once the package is
// known to be invalid.
func (v *Validator) Write(p []byte) (int, error) {
	return v.pw.Write(p)
}

// Close ends the input and returns Validate's result.
func (v *Validator) Close() (*Validated, error) {
	v.pw.Close()
	<-v.done
	return v.res, v.err
}
