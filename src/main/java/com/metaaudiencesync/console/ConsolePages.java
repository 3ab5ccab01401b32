package com.metaaudiencesync.console;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/** The console's entry points: {@code /} and {@code /console} lead to the overview page (static, under /console/). */
@Controller
public class ConsolePages {
    @GetMapping({"/", "/console"})
    public String root() { return "redirect:/console/"; }

    @GetMapping("/console/")
    public String overview() { return "forward:/console/index.html"; }
}
