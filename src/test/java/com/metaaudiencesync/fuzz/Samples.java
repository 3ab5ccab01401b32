package com.metaaudiencesync.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Real-shaped sample bodies and files (Segment's spec events, native members, CSV/NDJSON/JSON rows), fake people only. */
public final class Samples {
    private Samples() {}

    public static final String IDENTIFY = """
            {"type":"identify","messageId":"m-1","userId":"u-1","anonymousId":"anon-1","timestamp":"2024-05-01T10:00:00.000Z",
             "traits":{"email":"ada@example.com","vip_buyers":true,"first_name":"Ada","phone":"+1 650 555 0100",
                       "address":{"city":"Paris","postalCode":"75001","country":"FR"}},
             "context":{"personas":{"computation_class":"audience","computation_key":"vip_buyers"},
                        "device":{"advertisingId":"6D92078A-8246-4BA4-AE5B-76104861E7DC"}}}
            """;
    public static final String TRACK = """
            {"type":"track","event":"Audience Exited","messageId":"m-2","userId":"u-2","timestamp":"2024-05-01T11:00:00+02:00",
             "properties":{"audience_key":"cart","cart":false,"email":["b@example.com","c@example.com"]},
             "context":{"traits":{"last_name":"Lovelace","birthday":"1990-12-10"}}}
            """;
    public static final String BATCH = "{\"batch\":[" + IDENTIFY + "," + TRACK + ",{\"type\":\"page\",\"name\":\"Home\"}],"
            + "\"sentAt\":\"2024-05-01T10:00:01Z\",\"writeKey\":\"wk\",\"context\":{\"library\":{\"name\":\"analytics-node\"}}}";
    public static final String MEMBERS = """
            [{"audience":"vip-buyers","action":"add","email":"ada@example.com","phone":"+44 20 7946 0321","first_name":"Ada",
              "last_name":"Lovelace","zip":"SW1A 1AA","country":"GB","messageId":"n-1","timestamp":1714557600000},
             {"audience_id":"23850000000000001","action":"remove","email_sha256":"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"},
             {"segment_name":"Newsletter","action":"add","madid":"6D92078A-8246-4BA4-AE5B-76104861E7DC","gen":"f","dob":"1990-02-28",
              "data_processing_options":["LDU"],"data_processing_options_country":1,"data_processing_options_state":1000}]
            """;

    public static List<byte[]> webhookBodies() {
        return List.of(bytes(IDENTIFY), bytes(TRACK), bytes(BATCH), bytes(MEMBERS));
    }

    public static final String CSV = "email,phone,first_name,last_name,zip,country,audience,action,email_sha256\n"
            + "ada@example.com,+1 650 555 0100,Ada,Lovelace,94025,US,vip,add,\n"
            + "\"b@example.com;c@example.com\",\"(650) 555-0101\",\"Quoted, Name\",\"O\"\"Brien\",75001,FR,vip,remove,\n"
            + ",,,,,,,add,b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\n";
    public static final String NDJSON = "{\"email\":\"ada@example.com\",\"phone\":\"+1 650 555 0100\",\"audience\":\"vip\"}\n"
            + "{\"email\":[\"b@example.com\",\"c@example.com\"],\"action\":\"remove\",\"dob\":\"1990-01-02\"}\n"
            + "{\"madid\":\"6D92078A-8246-4BA4-AE5B-76104861E7DC\",\"nested\":{\"x\":[1,2]}}\n";
    public static final String JSON = "[{\"email\":\"ada@example.com\",\"first_name\":\"Ada\",\"country\":\"US\"},\n"
            + " {\"phone\":\"+44 20 7946 0321\",\"audience_id\":\"23850000000000001\",\"action\":\"add\"},\n"
            + " {\"email_hash\":\"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\",\"gen\":\"m\"}]";

    public static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }
}
