// The Android app: the glue in src/main/kotlin (checked without the SDK by
// scripts/android-glue-check.sh), the shared Compose UI from apps/shared, the
// Kotlin bindings and libichie_ffi.so that scripts/android.sh writes into
// src/main/java and src/main/jniLibs (both git-ignored).
plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.compose)
}

android {
    namespace = "dev.ichie.android"
    compileSdk = 36

    defaultConfig {
        applicationId = "dev.ichie.android"
        minSdk = 26
        targetSdk = 36
        versionCode = 1
        versionName = "0.1.0"
        // scripts/android.sh builds these three ABIs.
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64") }
    }

    sourceSets {
        getByName("main") {
            // The shared UI, state holders and service (apps/shared), and the
            // class connecting it to MainActivity (src/ui, see README.md).
            kotlin.srcDir("../../apps/shared/src/main/kotlin")
            kotlin.srcDir("src/ui/kotlin")
            resources.srcDir("src/ui/resources")
            // src/main/java (the generated ichie_ffi.kt) and src/main/jniLibs
            // are AGP's defaults.
        }
    }

    buildTypes {
        release {
            isMinifyEnabled = true
            isShrinkResources = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"), "proguard-rules.pro")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    packaging {
        // libichie_ffi.so is already stripped (profile mobile); keep 16 KB alignment.
        jniLibs.useLegacyPackaging = false
    }

    testOptions {
        unitTests.all { it.useJUnitPlatform() }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(org.jetbrains.kotlin.gradle.dsl.JvmTarget.JVM_17)
    }
}

// The verifier's Kotlin half must be the version of the
// rustls-platform-verifier-android crate in Cargo.lock (its README's recipe).
val rustlsPlatformVerifierAndroid: String = run {
    val lines = rootProject.file("../Cargo.lock").readLines()
    val at = lines.indexOfFirst { it.trim() == "name = \"rustls-platform-verifier-android\"" }
    require(at >= 0) { "rustls-platform-verifier-android not found in Cargo.lock" }
    lines.drop(at + 1).first { it.trim().startsWith("version = ") }.substringAfter('"').substringBefore('"')
}

configurations.configureEach {
    resolutionStrategy.eachDependency {
        if (requested.group == "rustls" && requested.name == "rustls-platform-verifier") {
            useVersion(rustlsPlatformVerifierAndroid)
            because("must match rustls-platform-verifier-android in Cargo.lock")
        }
    }
}

dependencies {
    implementation(libs.androidx.core)
    implementation(libs.androidx.activity.compose)
    implementation(platform(libs.compose.bom))
    implementation(libs.compose.runtime)
    implementation(libs.compose.foundation)
    implementation(libs.compose.ui)
    implementation(libs.compose.material3)
    implementation(libs.kotlinx.coroutines.android)
    implementation(libs.jna) { artifact { type = "aar" } }
    implementation(libs.rustls.platform.verifier)

    testImplementation(libs.junit.jupiter)
    testRuntimeOnly(libs.junit.platform.launcher)
}
