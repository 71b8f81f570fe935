package store

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
)

// S3Options configure the S3 backend. Zero values take the defaults.
type S3Options struct {
	// Endpoint is the service URL of an S3-compatible server (MinIO,
	// versitygw, R2, …); empty means AWS.
	Endpoint string
	Region   string // default: from the AWS config, else us-east-1
	// PathStyle addresses the bucket as endpoint/bucket/key instead of
	// bucket.endpoint/key (needed by most non-AWS servers).
	PathStyle bool
	// Static credentials; when AccessKeyID is empty the default AWS
	// chain applies (AWS_* environment, shared config/credentials files,
	// Profile, web identity, container and instance roles).
	AccessKeyID, SecretAccessKey, SessionToken string
	Profile                                    string
	// SecretFile is a credentials file in the AWS shared credentials
	// format ([default] or [Profile] with aws_access_key_id, …), e.g. a
	// mounted secret; it replaces ~/.aws/credentials.
	SecretFile string
	// IMDS lets the credential chain ask the EC2 instance-metadata service
	// for the instance role's credentials. Off by default: off-cloud that
	// address does not exist, and a missing credential must say so.
	IMDS bool

	// PartSize of multipart uploads (default and minimum 5 MiB) and the
	// number of parts in flight per upload (default 4). A body that is
	// not an io.ReaderAt+io.Seeker is read into part buffers: at most
	// Concurrency+1 per upload, and at most PartBuffers (default
	// 2×(Concurrency+1)) for all uploads of the store, so streaming
	// memory is bounded by PartBuffers×PartSize (60 MiB by default).
	PartSize    int64
	Concurrency int
	PartBuffers int
	// PartAttempts is how often the SDK tries each request of an upload
	// (default 4). All other requests are tried once: retries belong to
	// the Retry decorator. See docs/store.md.
	PartAttempts int

	HTTPClient *http.Client
}

// S3 is the S3 backend. Keys live under an optional prefix of one bucket.
// Conditional writes use If-None-Match: * and If-Match: <etag> on
// PutObject, CompleteMultipartUpload and CopyObject; 412 and 409
// ConditionalRequestConflict are ErrPreconditionFailed.
type S3 struct {
	client      *s3.Client
	presign     *s3.PresignClient
	uploader    *manager.Uploader
	bucket      string
	prefix      string // "" or ending in "/"
	partOpts    func(*s3.Options)
	buffers     *partBuffers
	concurrency int
}

var (
	_ Copier    = (*S3)(nil)
	_ Presigner = (*S3)(nil)
)

const (
	defaultPartSize     = manager.MinUploadPartSize
	maxPartSize         = 5 << 30
	defaultConcurrency  = 4
	defaultPartAttempts = 4
)

// NewS3 returns the store for prefix (may be empty) in bucket.
func NewS3(ctx context.Context, bucket, prefix string, o S3Options) (*S3, error) {
	if bucket == "" {
		return nil, fmt.Errorf("store: s3: no bucket")
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		if err := ValidateKey(prefix); err != nil {
			return nil, fmt.Errorf("store: s3 prefix: %w", err)
		}
		prefix += "/"
	}
	var loadOpts []func(*config.LoadOptions) error
	if o.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(o.Region))
	}
	if o.Profile != "" {
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.AccessKeyID != "" {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(o.AccessKeyID, o.SecretAccessKey, o.SessionToken)))
	}
	if o.HTTPClient != nil {
		loadOpts = append(loadOpts, config.WithHTTPClient(o.HTTPClient))
	}
	if o.SecretFile != "" {
		if _, err := os.Stat(o.SecretFile); err != nil {
			return nil, fmt.Errorf("store: s3: secret file: %w", err)
		}
		loadOpts = append(loadOpts, config.WithSharedCredentialsFiles([]string{o.SecretFile}))
	}
	if !o.IMDS {
		loadOpts = append(loadOpts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	loadOpts = append(loadOpts, config.WithLogger(logging.Nop{})) // errors are returned, not logged
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("store: s3: loading AWS config: %w", err)
	}
	if o.AccessKeyID == "" {
		if cfg.Credentials == nil {
			return nil, &NoCredentialsError{Bucket: bucket, IMDS: o.IMDS}
		}
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return nil, &NoCredentialsError{Bucket: bucket, IMDS: o.IMDS, cause: err}
		}
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
		so.UsePathStyle = o.PathStyle
		so.Logger = logging.Nop{}
		// Ranged GETs of some servers carry the whole object's checksum.
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		so.Retryer = retry.AddWithMaxAttempts(retry.NewStandard(), 1)
	})
	attempts := o.PartAttempts
	if attempts <= 0 {
		attempts = defaultPartAttempts
	}
	partRetryer := retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = attempts
		so.RateLimiter = ratelimit.None
	})
	partOpts := func(so *s3.Options) { so.Retryer = partRetryer }
	partSize := max(o.PartSize, defaultPartSize)
	if partSize > maxPartSize {
		return nil, fmt.Errorf("store: s3: part size %d above S3's limit of 5 GiB", o.PartSize)
	}
	concurrency := defaultConcurrency
	if o.Concurrency > 0 {
		concurrency = o.Concurrency
	}
	bufferCount := o.PartBuffers
	if bufferCount <= 0 {
		bufferCount = 2 * (concurrency + 1)
	}
	uploader := manager.NewUploader(client, func(u *manager.Uploader) {
		u.PartSize = partSize
		u.Concurrency = concurrency
		u.ClientOptions = append(u.ClientOptions, partOpts)
	})
	return &S3{
		client:      client,
		presign:     s3.NewPresignClient(client),
		uploader:    uploader,
		bucket:      bucket,
		prefix:      prefix,
		partOpts:    partOpts,
		buffers:     newPartBuffers(partSize, bufferCount),
		concurrency: concurrency,
	}, nil
}

// S3URLOptions are the query parameters of an s3:// store URL:
// endpoint=URL (an S3-compatible server), region=R, path-style=true
// (endpoint/bucket/key addressing), profile=NAME (a shared config or
// credentials profile), secret-file=PATH (a credentials file, as
// KILN_S3_SECRET_FILE) and imds=true (use the EC2 instance role, as
// KILN_S3_IMDS=true).
var S3URLOptions = []string{"endpoint", "region", "path-style", "profile", "secret-file", "imds"}

// openS3URL opens s3://bucket/prefix?endpoint=…&region=…&path-style=…&profile=….
func openS3URL(ctx context.Context, u *url.URL, o S3Options) (*S3, error) {
	q := u.Query()
	for name := range q {
		if !slices.Contains(S3URLOptions, name) {
			return nil, fmt.Errorf("store: %s: unknown parameter %q (want %s)", u.Redacted(), name, strings.Join(S3URLOptions, ", "))
		}
	}
	if o.SecretFile == "" {
		o.SecretFile = q.Get("secret-file")
	}
	if o.SecretFile == "" {
		o.SecretFile = os.Getenv("KILN_S3_SECRET_FILE")
	}
	for _, v := range []struct{ name, value string }{{"imds", q.Get("imds")}, {"KILN_S3_IMDS", os.Getenv("KILN_S3_IMDS")}} {
		if v.value == "" || o.IMDS {
			continue
		}
		b, err := strconv.ParseBool(v.value)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %s: %w", u.Redacted(), v.name, err)
		}
		o.IMDS = b
	}
	if o.Endpoint == "" {
		o.Endpoint = q.Get("endpoint")
	}
	if o.Region == "" {
		o.Region = q.Get("region")
	}
	if o.Profile == "" {
		o.Profile = q.Get("profile")
	}
	if v := q.Get("path-style"); v != "" && !o.PathStyle {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("store: %s: path-style: %w", u.Redacted(), err)
		}
		o.PathStyle = b
	}
	if u.User != nil {
		return nil, fmt.Errorf("store: s3 URL must not hold credentials")
	}
	return NewS3(ctx, u.Host, u.Path, o)
}

func (s *S3) String() string {
	return "s3://" + s.bucket + "/" + s.prefix
}

// Client returns the SDK client (for tools and tests).
func (s *S3) Client() *s3.Client { return s.client }

func (s *S3) key(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	return s.prefix + key, nil
}
