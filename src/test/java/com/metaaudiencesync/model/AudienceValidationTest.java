package com.metaaudiencesync.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Audience ids and names as taken in: what passes, and the reason for what does not. */
class AudienceValidationTest {
    @Test
    void ordinaryNamesInAnyScriptPass() {
        for (String name : new String[]{"vip-buyers", "VIP Buyers 2026", "clientes_fieles", "Käufer (DE)", "顧客リスト",
                "عملاء", "🛒 cart 👩‍💻", "a".repeat(200)}) {
            assertThat(AudienceValidation.nameProblem(name)).as(name).isNull();
        }
    }

    @Test
    void lengthIsCountedInCharactersPeopleSee() {
        assertThat(AudienceValidation.nameProblem("a".repeat(201))).isEqualTo(AudienceValidation.NAME_TOO_LONG);
        assertThat(AudienceValidation.nameProblem("x".repeat(5000))).isEqualTo(AudienceValidation.NAME_TOO_LONG);
        // 200 emoji are 400 UTF-16 chars: still 200 characters
        assertThat(AudienceValidation.nameProblem("😀".repeat(200))).isNull();
        assertThat(AudienceValidation.nameProblem("😀".repeat(201))).isEqualTo(AudienceValidation.NAME_TOO_LONG);
    }

    @Test
    void controlAndBrokenCharactersAreRefused() {
        for (String name : new String[]{"a\u0000b", "line\nbreak", "tab\there", "be\u0007ll", "c1\u0085", "lone\uD800", "bad\uFFFD",
                "non\uFFFF", "priv\uE000", " ", ""}) {
            assertThat(AudienceValidation.nameProblem(name)).as(name).isEqualTo(AudienceValidation.INVALID_NAME);
        }
    }

    @Test
    void idsAreDigitsOnly() {
        assertThat(AudienceValidation.problem("23850000000000001", null)).isNull();
        assertThat(AudienceValidation.problem(" 23850000000000001 ", null)).isNull();
        for (String id : new String[]{"../act_1/users", "123?x=1", "act_123", "", "1".repeat(26), "１２３"}) {
            assertThat(AudienceValidation.problem(id, null)).as(id).isEqualTo(AudienceValidation.INVALID_ID);
        }
        // the id wins over the name (a row with both is sent to the id)
        assertThat(AudienceValidation.problem("123", "x".repeat(5000))).isNull();
    }
}
