package com.metaaudiencesync.config;

import com.metaaudiencesync.meta.ApiVersions;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Everything under {@code meta.*} (CONTRACT §2). The token and secret never reach a log line. */
@ConfigurationProperties(prefix = "meta")
public class MetaProperties {
    private String graphUrl = "https://graph.facebook.com";
    private String apiVersion = ApiVersions.DEFAULT;
    private String accessToken;
    private String appSecret;
    private String adAccountId;
    private String customerFileSource = "USER_PROVIDED_ONLY";

    public String getGraphUrl() { return graphUrl; }
    public void setGraphUrl(String v) { graphUrl = v; }
    public String getApiVersion() { return apiVersion; }
    public void setApiVersion(String v) { apiVersion = v; }
    public String getAccessToken() { return accessToken; }
    public void setAccessToken(String v) { accessToken = v; }
    public String getAppSecret() { return appSecret; }
    public void setAppSecret(String v) { appSecret = v; }
    public String getAdAccountId() { return adAccountId; }
    public void setAdAccountId(String v) { adAccountId = v; }
    public String getCustomerFileSource() { return customerFileSource; }
    public void setCustomerFileSource(String v) { customerFileSource = v; }

    public boolean hasToken() { return accessToken != null && !accessToken.isBlank(); }

    /** digits only, without act_ */
    public String accountDigits() {
        if (adAccountId == null) return null;
        String s = adAccountId.trim();
        return s.startsWith("act_") ? s.substring(4) : s;
    }

    @Override public String toString() {
        return "MetaProperties{graphUrl=" + graphUrl + ", apiVersion=" + apiVersion + ", adAccountId=" + adAccountId
                + ", accessToken=" + (hasToken() ? "****" : "none") + ", appSecret=" + (appSecret == null ? "none" : "****") + "}";
    }
}
