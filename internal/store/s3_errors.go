package store

import (
	"errors"
	"fmt"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// s3Error maps an SDK error of op on key to the package's sentinels,
// keeping the original in the chain (errors.As finds SDK types).
func s3Error(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var sentinel error
	code := ""
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.ErrorCode()
	}
	status := 0
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	switch {
	case code == "NoSuchBucket" || code == "NoSuchUpload":
		// not about the key: no sentinel
	case code == "NoSuchKey" || code == "NotFound" || status == http.StatusNotFound:
		sentinel = ErrNotFound
	case code == "PreconditionFailed" || code == "ConditionalRequestConflict" ||
		status == http.StatusPreconditionFailed ||
		(status == http.StatusConflict && code == ""):
		sentinel = ErrPreconditionFailed
	case code == "InvalidRange" || status == http.StatusRequestedRangeNotSatisfiable:
		sentinel = ErrInvalidRange
	case code == "KeyTooLongError":
		sentinel = ErrInvalidKey
	}
	if sentinel != nil {
		return fmt.Errorf("%w: %s %s: %w", sentinel, op, key, err)
	}
	return fmt.Errorf("store: s3 %s %s: %w", op, key, err)
}
