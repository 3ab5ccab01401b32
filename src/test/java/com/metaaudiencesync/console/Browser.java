package com.metaaudiencesync.console;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium driven by its ChromeDriver (never downloaded: both paths are fixed), with a fresh
 * profile directory. A browser that cannot start fails the test: it is not skipped.
 */
final class Browser implements AutoCloseable {
    static final String CHROMIUM = System.getProperty("console.chromium", "/usr/bin/chromium");
    static final String CHROMEDRIVER = System.getProperty("console.chromedriver", "/usr/bin/chromedriver");
    /** where the screenshots go (docs/console-*.png are copies of them) */
    static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

    final WebDriver driver;
    final String base;
    private final Path profile;

    Browser(int port) {
        this.base = "http://localhost:" + port;
        try {
            this.profile = Files.createTempDirectory("console-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1366,900", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, o);
    }

    WebDriverWait waiting(int seconds) { return new WebDriverWait(driver, Duration.ofSeconds(seconds)); }

    void open(String path) { driver.get(base + path); }

    /** the login form (Spring Security's), filled and sent */
    void login(String user, String password) {
        open("/console/");
        waiting(10).until(ExpectedConditions.urlContains("/login"));
        driver.findElement(By.id("username")).sendKeys(user);
        driver.findElement(By.id("password")).sendKeys(password);
        driver.findElement(By.cssSelector("button[type=submit]")).click();
    }

    /**
     * a fresh browser past the login form (back on /console/), closed again if the login fails; waiting for the
     * redirect keeps the next open() from cutting the login's POST short on a slow machine
     */
    static Browser loggedIn(int port, String user, String password) {
        Browser b = new Browser(port);
        try {
            b.login(user, password);
            b.waiting(10).until(ExpectedConditions.urlContains("/console/"));
            return b;
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }

    WebElement await(By by, int seconds) { return waiting(seconds).until(ExpectedConditions.visibilityOfElementLocated(by)); }

    /** clicks and accepts the confirmation dialog the console asks first */
    void clickConfirmed(By by) {
        waiting(10).until(ExpectedConditions.elementToBeClickable(by)).click();
        waiting(5).until(ExpectedConditions.alertIsPresent()).accept();
    }

    void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
            Files.copy(png.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a profile file still held by an exiting browser: left in the temp directory
            }
        }
    }
}
