package repo

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// HPKGCodec is the Codec backed by internal/hpkg (HPKG reader, HPKR
// reader and writer) and a repo.info text reader/writer.
type HPKGCodec struct{}

// WriteRepo implements Codec with hpkg.WriteRepository (deterministic).
func (HPKGCodec) WriteRepo(w io.Writer, info pkginfo.RepositoryInfo, pkgs []pkginfo.PackageInfo) error {
	return hpkg.WriteRepository(w, info, pkgs)
}

// ReadRepo implements Codec with hpkg.ReadRepository.
func (HPKGCodec) ReadRepo(r io.ReaderAt, size int64) (pkginfo.RepositoryInfo, []pkginfo.PackageInfo, error) {
	rep, err := hpkg.ReadRepository(r, size)
	if err != nil {
		return pkginfo.RepositoryInfo{}, nil, err
	}
	return rep.Info, rep.Packages, nil
}

// ReadPackage implements Codec with hpkg.Open (reads the header and the
// package attributes only, not the file contents).
func (HPKGCodec) ReadPackage(r io.ReaderAt, size int64) (pkginfo.PackageInfo, error) {
	p, err := hpkg.Open(r, size)
	if err != nil {
		return pkginfo.PackageInfo{}, err
	}
	return p.Info, nil
}

// WriteRepoInfo writes repo.info text as HaikuPorter's template does.
func (HPKGCodec) WriteRepoInfo(w io.Writer, info pkginfo.RepositoryInfo) error {
	bw := bufio.NewWriter(w)
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(bw, "%s %s\n", k, quoteSetting(v))
		}
	}
	kv("name", info.Name)
	kv("vendor", info.Vendor)
	kv("summary", info.Summary)
	kv("priority", strconv.Itoa(int(info.Priority)))
	kv("baseurl", info.BaseURL)
	kv("identifier", info.Identifier)
	kv("architecture", info.Architecture.String())
	return bw.Flush()
}

func quoteSetting(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\"'\\#{};=\n") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}

// maxRepoInfo bounds a repo.info file.
const maxRepoInfo = 64 << 10

// ParseRepoInfo reads repo.info text (driver-settings syntax: "key value"
// lines, double-quoted values, # comments), as BRepositoryInfo does:
// name, identifier (or the legacy url), vendor, summary, priority and
// architecture (not any) are required; baseurl is optional.
func (HPKGCodec) ParseRepoInfo(r io.Reader) (pkginfo.RepositoryInfo, error) {
	var info pkginfo.RepositoryInfo
	b, err := io.ReadAll(io.LimitReader(r, maxRepoInfo+1))
	if err != nil {
		return info, fmt.Errorf("repo.info: %w", err)
	}
	if len(b) > maxRepoInfo {
		return info, fmt.Errorf("repo.info: larger than %d bytes", maxRepoInfo)
	}
	vals := map[string]string{}
	for n, line := range strings.Split(string(b), "\n") {
		words, err := splitSetting(line)
		if err != nil {
			return info, fmt.Errorf("repo.info line %d: %w", n+1, err)
		}
		if len(words) == 0 {
			continue
		}
		k := strings.ToLower(words[0])
		if len(words) < 2 {
			return info, fmt.Errorf("repo.info line %d: %q has no value", n+1, words[0])
		}
		vals[k] = strings.Join(words[1:], " ")
	}
	info.Name, info.Vendor, info.Summary, info.BaseURL = vals["name"], vals["vendor"], vals["summary"], vals["baseurl"]
	info.Identifier = vals["identifier"]
	if info.Identifier == "" {
		info.Identifier = vals["url"]
	}
	for _, req := range []struct{ k, v string }{{"name", info.Name}, {"identifier", info.Identifier}, {"vendor", info.Vendor}, {"summary", info.Summary}, {"architecture", vals["architecture"]}} {
		if req.v == "" {
			return info, fmt.Errorf("repo.info: %s is missing", req.k)
		}
	}
	info.Priority = pkginfo.DefaultPriority
	if p, ok := vals["priority"]; ok {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 255 {
			return info, fmt.Errorf("repo.info: bad priority %q", p)
		}
		info.Priority = uint8(n)
	}
	a, err := pkginfo.ParseArchitecture(vals["architecture"])
	if err != nil || a == pkginfo.ArchAny {
		return info, fmt.Errorf("repo.info: bad architecture %q", vals["architecture"])
	}
	info.Architecture = a
	return info, nil
}

// splitSetting splits one driver-settings line into words.
func splitSetting(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	in, quote, esc := false, byte(0), false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case esc:
			if c == 'n' {
				c = '\n'
			}
			cur.WriteByte(c)
			esc, in = false, true
		case c == '\\':
			esc = true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, in = c, true
		case c == '#':
			i = len(line)
		case c == ' ' || c == '\t' || c == '\r':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote")
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}
