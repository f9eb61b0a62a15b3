package org.icbd.rcs.events;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A value of {@code icbd.image-versions}, keyed by image. The topic is an image's history: a
 * version is published once when its snapshot is made, and retired when the snapshot is deleted.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ImageVersionPublished.class, name = "ImageVersionPublished"),
        @JsonSubTypes.Type(value = ImageVersionRetired.class, name = "ImageVersionRetired")
})
public sealed interface ImageVersionEvent permits ImageVersionPublished, ImageVersionRetired {

    int schemaVersion();

    String image();

    int version();
}
