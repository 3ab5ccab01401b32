package com.metaaudiencesync.config;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.www.BasicAuthenticationEntryPoint;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.util.matcher.MediaTypeRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.accept.HeaderContentNegotiationStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The admin surface ({@code /api/**}, the console) behind {@code spring.security.user.name/password}: HTTP Basic
 * for scripts (stateless, no CSRF), a login form and a session for the browser (CSRF token in a cookie that the
 * console's fetch calls echo in {@code X-XSRF-TOKEN}). Webhooks keep their own authentication; health probes and
 * Prometheus scraping stay open. Without configured credentials: closed in live mode, open in dry-run.
 */
@Configuration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET) // no web server (tests without one): nothing to protect
@EnableWebSecurity
public class AdminSecurity {
    private static final Logger log = LoggerFactory.getLogger(AdminSecurity.class);
    /** a password already given in Spring Security's {id}hash form (e.g. {bcrypt}...) is used as it is */
    private static final Pattern ENCODED = Pattern.compile("^\\{.+}.*$");

    /** paths that never need the admin credentials: webhooks (own auth), probes, scraping, the login page */
    static final String[] WEBHOOKS = {"/webhooks/**", "/v1/**"};
    static final String[] PUBLIC = {"/actuator/health", "/actuator/health/**", "/actuator/prometheus", "/login", "/error"};

    /**
     * The admin user from {@code spring.security.user.*} (name defaults to {@code admin}), or none. Declaring this
     * bean keeps Spring Boot from generating (and printing) a password.
     */
    @Bean
    public UserDetailsService adminUsers(Environment env) {
        InMemoryUserDetailsManager users = new InMemoryUserDetailsManager();
        AdminCredentials c = AdminCredentials.from(env);
        if (c.configured()) {
            String pw = ENCODED.matcher(c.password()).matches() ? c.password() : "{noop}" + c.password();
            users.createUser(User.withUsername(c.name()).password(pw).roles("ADMIN").build());
        }
        return users;
    }

    @Bean
    public PasswordEncoder adminPasswordEncoder() { return PasswordEncoderFactories.createDelegatingPasswordEncoder(); }

    /**
     * Webhooks first, in a chain of their own: no Spring Security authentication at all (a Segment write key comes
     * as {@code Authorization: Basic} and must reach the webhook handler, not the admin user store), no CSRF, no session.
     */
    @Bean
    @Order(1)
    public SecurityFilterChain webhookFilterChain(HttpSecurity http) throws Exception {
        return http.securityMatcher(WEBHOOKS)
                .authorizeHttpRequests(a -> a.anyRequest().permitAll())
                .csrf(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .securityContext(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .build();
    }

    @Bean
    @Order(2)
    public SecurityFilterChain adminFilterChain(HttpSecurity http, Environment env, boolean dryRunMode) throws Exception {
        AdminCredentials c = AdminCredentials.from(env);
        boolean open = !c.configured() && dryRunMode;
        if (c.configured()) {
            log.info("Admin surface (/api/**, console at /): protected by spring.security.user.name '{}' (HTTP Basic or the login form)", c.name());
        } else if (open) {
            log.warn("Admin surface (/api/**, console at /) is OPEN without credentials because this is dry-run; set "
                    + "SPRING_SECURITY_USER_NAME and SPRING_SECURITY_USER_PASSWORD to protect it");
        } else {
            log.warn("Admin surface (/api/**, console at /) is CLOSED (401): live mode and no admin credentials configured; set "
                    + "SPRING_SECURITY_USER_NAME and SPRING_SECURITY_USER_PASSWORD (spring.security.user.name/password) to open it");
        }
        CookieCsrfTokenRepository csrfCookie = CookieCsrfTokenRepository.withHttpOnlyFalse();
        csrfCookie.setCookieCustomizer(b -> b.sameSite("Strict"));
        http.authorizeHttpRequests(a -> {
                    // an async or error dispatch continues a request that was already authorized (webhooks answer through both)
                    a.dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll();
                    a.requestMatchers(PUBLIC).permitAll();
                    if (open) a.anyRequest().permitAll();
                    else a.anyRequest().hasRole("ADMIN");
                })
                // the raw token value in the cookie, echoed as X-XSRF-TOKEN by the console (no per-request masking)
                .csrf(csrf -> csrf.csrfTokenRepository(csrfCookie)
                        .csrfTokenRequestHandler(new CsrfTokenRequestAttributeHandler())
                        .ignoringRequestMatchers(AdminSecurity::basicAuthenticated, AdminSecurity::withoutAmbientCredentials)
                        // open (dry-run, no credentials): scripts may POST without a token, as they may without credentials
                        .ignoringRequestMatchers(r -> open && r.getRequestURI().startsWith(r.getContextPath() + "/api/")))
                .addFilterAfter(new CsrfCookieFilter(), BasicAuthenticationFilter.class)
                .httpBasic(b -> b.authenticationEntryPoint(basicEntryPoint()))
                .formLogin(f -> f.defaultSuccessUrl("/console/", false))
                .logout(Customizer.withDefaults())
                .exceptionHandling(e -> e
                        // a browser asking for a page goes to the login form; API calls (and the console's fetch) get 401
                        .defaultAuthenticationEntryPointFor(new LoginUrlAuthenticationEntryPoint("/login"), browserPage())
                        .defaultAuthenticationEntryPointFor(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED), fetchCall())
                        .defaultAuthenticationEntryPointFor(basicEntryPoint(), r -> true));
        return http.build();
    }

    private static BasicAuthenticationEntryPoint basicEntryPoint() {
        BasicAuthenticationEntryPoint p = new BasicAuthenticationEntryPoint();
        p.setRealmName("meta-audience-sync admin");
        return p;
    }

    /**
     * A script's request with HTTP Basic credentials: stateless, so a CSRF token is neither needed nor possible. A
     * browser's POST always carries {@code Origin}: Basic credentials a browser cached and attaches to a forged
     * cross-site form post still need the token.
     */
    static boolean basicAuthenticated(HttpServletRequest r) {
        String h = r.getHeader("Authorization");
        return h != null && h.regionMatches(true, 0, "Basic ", 0, 6) && r.getHeader("Origin") == null;
    }

    /** no cookie and no credentials: nothing a forged request could ride on, so it gets its 401 rather than a 403 */
    static boolean withoutAmbientCredentials(HttpServletRequest r) {
        return r.getHeader("Cookie") == null && r.getHeader("Authorization") == null && !r.getRequestURI().equals(r.getContextPath() + "/login");
    }

    private static RequestMatcher browserPage() {
        MediaTypeRequestMatcher html = new MediaTypeRequestMatcher(new HeaderContentNegotiationStrategy(), MediaType.TEXT_HTML);
        html.setIgnoredMediaTypes(Set.of(MediaType.ALL));
        return r -> !r.getRequestURI().startsWith(r.getContextPath() + "/api/") && html.matches(r);
    }

    /** the console's fetch calls mark themselves so a lapsed session answers 401 (no browser Basic dialog) */
    private static RequestMatcher fetchCall() { return r -> "fetch".equals(r.getHeader("X-Requested-With")); }

    /** loads the deferred CSRF token on every request so its cookie is (re)written, e.g. right after login */
    static final class CsrfCookieFilter extends OncePerRequestFilter {
        @Override
        protected void doFilterInternal(HttpServletRequest req, HttpServletResponse res, FilterChain chain) throws ServletException, IOException {
            CsrfToken t = (CsrfToken) req.getAttribute(CsrfToken.class.getName());
            if (t != null) t.getToken();
            chain.doFilter(req, res);
        }
    }
}
