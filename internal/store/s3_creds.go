package store

import (
	"errors"
	"fmt"
)

// ErrNoCredentials: no S3 credentials were found.
var ErrNoCredentials = errors.New("store: no S3 credentials")

// NoCredentialsError says plainly that no credentials were found and how
// to give them; the SDK's chain of attempts is in the error chain (Cause)
// but not in the message.
type NoCredentialsError struct {
	Bucket string
	IMDS   bool // the instance-metadata service was asked too
	cause  error
}

func (e *NoCredentialsError) Error() string {
	msg := fmt.Sprintf("store: s3://%s: no AWS credentials found; give them by the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), "+
		"a shared config profile (AWS_PROFILE or the URL's ?profile=NAME, with ~/.aws/credentials or ~/.aws/config), "+
		"or a secret file in that format (?secret-file=PATH or KILN_S3_SECRET_FILE)", e.Bucket)
	if e.IMDS {
		return msg + "; the EC2 instance role (imds) gave none either"
	}
	return msg + "; on EC2, ?imds=true or KILN_S3_IMDS=true uses the instance role"
}

// Cause is the SDK's error (which providers were tried and why they failed).
func (e *NoCredentialsError) Cause() error { return e.cause }

func (e *NoCredentialsError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrNoCredentials}
	}
	return []error{ErrNoCredentials, e.cause}
}
