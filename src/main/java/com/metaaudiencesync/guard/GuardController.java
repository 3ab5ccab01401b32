package com.metaaudiencesync.guard;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Held .replace files: list and approve (held poll runs are approved under /api/polls). */
@RestController
@RequestMapping(path = "/api/files", produces = MediaType.APPLICATION_JSON_VALUE)
public class GuardController {
    private final HeldFiles files;

    public GuardController(HeldFiles files) { this.files = files; }

    @GetMapping("/held")
    public List<Map<String, Object>> held() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> f : files.held()) out.add(HeldFiles.describe(f));
        return out;
    }

    /** 200 once the file's replace is released; 404 for an unknown hold; 409 when it is no longer held. */
    @PostMapping("/{id}/approve")
    public ResponseEntity<Object> approve(@PathVariable("id") long id) {
        HeldFiles.Result r = files.approve(id);
        if (r == HeldFiles.Result.APPROVED) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("approved", true);
            body.put("id", id);
            return ResponseEntity.ok(body);
        }
        HttpStatus s = r == HeldFiles.Result.NOT_FOUND ? HttpStatus.NOT_FOUND : HttpStatus.CONFLICT;
        ProblemDetail p = ProblemDetail.forStatusAndDetail(s, r == HeldFiles.Result.NOT_FOUND ? "no held file " + id + " (see GET /api/files/held)"
                : "file hold " + id + " is no longer held (approved, or superseded by a later replace)");
        p.setTitle(r == HeldFiles.Result.NOT_FOUND ? "No such held file" : "Not held");
        return ResponseEntity.status(s).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(p);
    }
}
