package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxJSONBody bounds the JSON body of a write request.
const maxJSONBody = 1 << 20

// decodeBody decodes r's JSON body into v strictly: at most maxJSONBody
// bytes (413 "too_large"), no unknown fields and nothing after the object
// (400 "bad_json", the message ending in want, what a good body is). An
// empty body leaves v as it is when optional. It answers the error itself
// and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, optional bool, want string) bool {
	if r.ContentLength > maxJSONBody {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body has %d bytes; at most %d are accepted", r.ContentLength, maxJSONBody))
		return false
	}
	body := http.MaxBytesReader(w, r.Body, maxJSONBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == io.EOF && optional {
		return true
	}
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("trailing data after the JSON object")
	}
	if err == nil {
		return true
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is larger than %d bytes", maxJSONBody))
		return false
	}
	if err == io.EOF {
		err = errors.New("empty body")
	}
	writeError(w, http.StatusBadRequest, "bad_json", "want "+want+": "+err.Error())
	return false
}

// buildID parses the {id} of a build route, "<run id>:<build number>",
// answering 400 "bad_build_id" itself (ok false).
func buildID(w http.ResponseWriter, r *http.Request) (run string, n int64, ok bool) {
	id := r.PathValue("id")
	i := strings.LastIndexByte(id, ':')
	if i >= 0 {
		run = id[:i]
		var err error
		n, err = strconv.ParseInt(id[i+1:], 10, 64)
		ok = err == nil && n >= 1 && validRunID(run)
	}
	if !ok {
		writeError(w, http.StatusBadRequest, "bad_build_id", fmt.Sprintf("build id %q: want <run id>:<build number>", id))
	}
	return run, n, ok
}
