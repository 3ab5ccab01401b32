package com.metaaudiencesync.model;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pins RawMember's value accessors: one value held without a list, several kept in order, lists read-only. */
class RawMemberTest {
    @Test
    void valuesAreKeptInOrderWhetherAKeyHasOneOrSeveral() {
        RawMember m = new RawMember().add(MetaKey.EMAIL, "a@x.com").add(MetaKey.PHONE, "1").add(MetaKey.EMAIL, "b@x.com")
                .add(MetaKey.EMAIL, null).add(MetaKey.EMAIL, "c@x.com");
        assertThat(m.count(MetaKey.EMAIL)).isEqualTo(3);
        assertThat(List.of(m.value(MetaKey.EMAIL, 0), m.value(MetaKey.EMAIL, 1), m.value(MetaKey.EMAIL, 2))).containsExactly("a@x.com", "b@x.com", "c@x.com");
        assertThat(m.values(MetaKey.EMAIL)).containsExactly("a@x.com", "b@x.com", "c@x.com");
        assertThat(m.first(MetaKey.EMAIL)).isEqualTo("a@x.com");
        assertThat(m.count(MetaKey.PHONE)).isEqualTo(1);
        assertThat(m.values(MetaKey.PHONE)).containsExactly("1");
        assertThat(m.count(MetaKey.FN)).isZero();
        assertThat(m.values(MetaKey.FN)).isNull();
        assertThat(m.first(MetaKey.FN)).isNull();
        assertThat(m.values()).containsOnlyKeys(MetaKey.EMAIL, MetaKey.PHONE);
        assertThatThrownBy(() -> m.value(MetaKey.PHONE, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> m.values(MetaKey.EMAIL).add("d@x.com")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> m.values(MetaKey.PHONE).add("2")).isInstanceOf(UnsupportedOperationException.class);
    }
}
