package com.metaaudiencesync.fake;

/** Internal: an error the fake answers as Graph error JSON. */
final class GraphError extends RuntimeException {
    final int httpStatus;
    final int code;
    final Integer subcode;
    final String type;
    final boolean isTransient;

    GraphError(int httpStatus, int code, Integer subcode, String type, boolean isTransient, String message) {
        super(message, null, false, false);
        this.httpStatus = httpStatus;
        this.code = code;
        this.subcode = subcode;
        this.type = type;
        this.isTransient = isTransient;
    }

    static GraphError invalidParam(String message) {
        return new GraphError(400, 100, null, "OAuthException", false, message);
    }

    static GraphError of(int code, Integer subcode, String message) {
        return new GraphError(400, code, subcode, "OAuthException", false, message);
    }

    static GraphError noSuchObject(String method, String id) {
        return new GraphError(400, 100, 33, "GraphMethodException", false,
                "Unsupported " + method.toLowerCase() + " request. Object with ID '" + id
                        + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
                        + " Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api");
    }
}
