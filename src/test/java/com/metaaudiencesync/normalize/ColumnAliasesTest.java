package com.metaaudiencesync.normalize;

import com.metaaudiencesync.model.MetaKey;
import com.metaaudiencesync.normalize.ColumnAliases.Column;
import com.metaaudiencesync.normalize.ColumnAliases.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class ColumnAliasesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "email,EMAIL", "email_address,EMAIL", "emails,EMAIL",
            "phone,PHONE", "phone_number,PHONE", "mobile,PHONE", "mobile_phone,PHONE",
            "fn,FN", "first_name,FN", "firstname,FN", "first,FN", "given_name,FN",
            "ln,LN", "last_name,LN", "lastname,LN", "last,LN", "surname,LN", "family_name,LN",
            "fi,FI", "first_initial,FI",
            "gen,GEN", "gender,GEN",
            "doby,DOBY", "birth_year,DOBY", "dobm,DOBM", "birth_month,DOBM", "dobd,DOBD", "birth_day,DOBD",
            "ct,CT", "city,CT",
            "st,ST", "state,ST", "region,ST",
            "zip,ZIP", "zipcode,ZIP", "zip_code,ZIP", "postal_code,ZIP", "postcode,ZIP",
            "country,COUNTRY", "country_code,COUNTRY",
            "madid,MADID", "maid,MADID", "idfa,MADID", "gaid,MADID", "aaid,MADID", "mobile_advertiser_id,MADID", "advertising_id,MADID",
            "extern_id,EXTERN_ID", "external_id,EXTERN_ID", "user_id,EXTERN_ID", "userid,EXTERN_ID",
    })
    void contractTable(String name, MetaKey key) {
        assertEquals(new Column(Kind.IDENTIFIER, key), ColumnAliases.resolve(name));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "firstName,FN", "FirstName,FN", "FIRST_NAME,FN", "first-name,FN", "first name,FN", "' Email ',EMAIL",
            "emailAddress,EMAIL", "phoneNumber,PHONE", "mobileAdvertiserId,MADID", "postalCode,ZIP", "zipCode,ZIP",
            "countryCode,COUNTRY", "externalId,EXTERN_ID", "userId,EXTERN_ID", "birthYear,DOBY", "familyName,LN",
    })
    void ignoresCaseUnderscoresHyphensSpaces(String name, MetaKey key) {
        assertEquals(key, ColumnAliases.resolve(name).key());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"email_sha256,EMAIL", "email_hash,EMAIL", "phone_sha256,PHONE", "phoneHash,PHONE",
            "first_name_sha256,FN", "zip_code_hash,ZIP", "madid_sha256,MADID", "EMAIL-SHA256,EMAIL"})
    void prehashedColumns(String name, MetaKey key) {
        assertEquals(new Column(Kind.PREHASHED, key), ColumnAliases.resolve(name));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"dob,DATE_OF_BIRTH", "birthday,DATE_OF_BIRTH", "DOB,DATE_OF_BIRTH", "date_of_birth,DATE_OF_BIRTH", "dateOfBirth,DATE_OF_BIRTH",
            "audience_id,AUDIENCE_ID", "segment_id,AUDIENCE_ID", "audienceId,AUDIENCE_ID",
            "audience,AUDIENCE_NAME", "audience_name,AUDIENCE_NAME", "segment_name,AUDIENCE_NAME",
            "action,ACTION", "Action,ACTION",
            "data_processing_options,LDU", "data_processing_options_country,LDU_COUNTRY",
            "data_processing_options_state,LDU_STATE", "dataProcessingOptionsState,LDU_STATE"})
    void otherKinds(String name, Kind kind) {
        Column c = ColumnAliases.resolve(name);
        assertEquals(kind, c.kind());
        assertEquals(null, c.key());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "name", "full_name", "notes", "email2", "dob_sha256", "sha256", "hash", "id"})
    void othersIgnored(String name) {
        assertSame(Column.IGNORED_COLUMN, ColumnAliases.resolve(name));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"birthday,DATE_OF_BIRTH", "Birthday,DATE_OF_BIRTH", "BIRTHDAY,DATE_OF_BIRTH",
            "birth_day,IDENTIFIER", "birth-day,IDENTIFIER", "Birth Day,IDENTIFIER", "birthDay,IDENTIFIER", "BirthDay,IDENTIFIER"})
    void birthDayVersusBirthday(String name, Kind kind) {
        Column c = ColumnAliases.resolve(name);
        assertEquals(kind, c.kind());
        if (kind == Kind.IDENTIFIER) assertEquals(MetaKey.DOBD, c.key());
    }

    @Test
    void nullIgnored() {
        assertSame(Column.IGNORED_COLUMN, ColumnAliases.resolve(null));
    }

    @Test
    void canonical() {
        assertEquals("firstname", ColumnAliases.canonical("First_Name"));
        assertEquals("emailaddress", ColumnAliases.canonical("e-mail Address"));
    }

    @Test
    void tableSize() {
        // 51 identifier aliases, 47 distinct once canonical (zipcode/zip_code, firstname/first_name,
        // lastname/last_name, userid/user_id), x (plain, _sha256, _hash); + 3 dob (birthday shared with
        // birth_day, resolved in resolve()) - 1 + 2 id + 3 name + action + 3 LDU
        assertEquals(47 * 3 + 3 - 1 + 2 + 3 + 1 + 3, ColumnAliases.table().size());
    }
}
