package store

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// S3Error is an S3 request's failure, printed in one line: operation,
// s3://bucket/key, the service's error code and message (or the network
// error) and the HTTP status. Request and host ids are in RequestID and
// HostID, not in the message (ErrorDetail gives them for -v). The SDK
// error stays in the chain (errors.As finds SDK types) and so does the
// package's sentinel for the case, if any.
type S3Error struct {
	Op, Bucket, Key   string
	Code, Message     string // the service's, if it answered with an error
	Status            int    // HTTP status, 0 without an answer
	RequestID, HostID string
	sentinel, cause   error
}

func (e *S3Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "store: s3 %s s3://%s/%s: ", e.Op, e.Bucket, e.Key)
	switch {
	case e.Code != "" && e.Message != "":
		fmt.Fprintf(&b, "%s: %s", e.Code, e.Message)
	case e.Code != "":
		b.WriteString(e.Code)
	default:
		b.WriteString(innermost(e.cause).Error())
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	return b.String()
}

func (e *S3Error) Unwrap() []error {
	if e.sentinel != nil {
		return []error{e.sentinel, e.cause}
	}
	return []error{e.cause}
}

// innermost strips the SDK's wrappers that only repeat the operation
// ("operation error S3: GetObject, exceeded maximum number of attempts, 1,
// https response error StatusCode: 0, RequestID: , HostID: , …").
func innermost(err error) error {
	for {
		var next error
		var oe *smithy.OperationError
		var me *retry.MaxAttemptsError
		var re *awshttp.ResponseError
		var se *smithyhttp.RequestSendError
		switch {
		case errors.As(err, &oe) && oe.Err != nil:
			next = oe.Err
		case errors.As(err, &me) && me.Err != nil:
			next = me.Err
		case errors.As(err, &re) && re.Err != nil:
			next = re.Err
		case errors.As(err, &se) && se.Err != nil:
			next = se.Err
		}
		if next == nil || next == err {
			return err
		}
		err = next
	}
}

// ErrorDetail returns "request id …, host id …" of an S3 error in err's
// chain ("" if there is none), for verbose output.
func ErrorDetail(err error) string {
	var e *S3Error
	if !errors.As(err, &e) || (e.RequestID == "" && e.HostID == "") {
		return ""
	}
	return fmt.Sprintf("request id %s, host id %s", e.RequestID, e.HostID)
}

// s3Error maps an SDK error of op on key to an *S3Error carrying the
// package's sentinel for the case.
func (s *S3) s3Error(op, key string, err error) error {
	if err == nil {
		return nil
	}
	e := &S3Error{Op: op, Bucket: s.bucket, Key: s.prefix + key, cause: err}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		e.Code, e.Message = apiErr.ErrorCode(), apiErr.ErrorMessage()
	}
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		e.Status = respErr.HTTPStatusCode()
		e.RequestID = respErr.ServiceRequestID()
	}
	var hostErr interface{ ServiceHostID() string }
	if errors.As(err, &hostErr) {
		e.HostID = hostErr.ServiceHostID()
	}
	code, status := e.Code, e.Status
	switch {
	case code == "NoSuchBucket" || code == "NoSuchUpload":
		// not about the key: no sentinel
	case code == "NoSuchKey" || code == "NotFound" || status == http.StatusNotFound:
		e.sentinel = ErrNotFound
	case code == "PreconditionFailed" || code == "ConditionalRequestConflict" ||
		status == http.StatusPreconditionFailed ||
		(status == http.StatusConflict && code == ""):
		e.sentinel = ErrPreconditionFailed
	case code == "InvalidRange" || status == http.StatusRequestedRangeNotSatisfiable:
		e.sentinel = ErrInvalidRange
	case code == "KeyTooLongError":
		e.sentinel = ErrInvalidKey
	}
	return e
}
